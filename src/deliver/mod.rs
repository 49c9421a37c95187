//! What happens to a built site: checking it (`verify`, `diff`), packing it
//! (`pack`, `bundle`), serving it (`serve`), renewing a link (`link`) and
//! reading a client's selection (`picks`).

pub mod bundle;
pub mod diff;
pub mod link;
pub mod pack;
pub mod picks;
pub mod serve;
pub mod verify;
