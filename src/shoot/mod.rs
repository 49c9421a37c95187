//! The shoot: what the photographer hands lightproof. The photo folders
//! (`scan`), `lightproof.toml` (`config`, `grants`), the gallery settings,
//! and passwords (`password`, `passphrase`). Never imports `site` or `build`.

pub mod config;
pub mod grants;
pub mod passphrase;
pub mod password;
pub mod scan;
pub mod settings;
