//! What happens to a built site: checking it (`verify`, `diff`), packing it
//! (`pack`, `bundle`), serving it (`serve`), publishing it to object
//! storage (`publish`), renewing a link (`link`), reading a client's
//! selection (`picks`, with `searches` for the photographer's apps and
//! `xmp` sidecars), and giving a client the originals of exactly what they
//! chose (`grant_picks`).

#[cfg(feature = "generator")]
pub mod bundle;
#[cfg(feature = "generator")]
pub mod diff;
#[cfg(feature = "generator")]
pub mod grant_picks;
#[cfg(feature = "generator")]
pub mod link;
#[cfg(feature = "generator")]
pub mod pack;
#[cfg(feature = "generator")]
pub mod picks;
#[cfg(feature = "generator")]
pub mod publish;
#[cfg(feature = "generator")]
pub mod searches;
pub mod selection;
#[cfg(feature = "generator")]
pub mod serve;
#[cfg(feature = "generator")]
pub mod verify;
#[cfg(feature = "generator")]
pub mod xmp;
