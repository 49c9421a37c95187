//! What happens to a built site: checking it (`verify`, `diff`), packing it
//! (`pack`, `bundle`), serving it (`serve`), renewing a link (`link`) and
//! reading a client's selection (`picks`).

#[cfg(feature = "generator")]
pub mod bundle;
#[cfg(feature = "generator")]
pub mod diff;
#[cfg(feature = "generator")]
pub mod link;
#[cfg(feature = "generator")]
pub mod pack;
#[cfg(feature = "generator")]
pub mod picks;
#[cfg(feature = "generator")]
mod sealed;
pub mod selection;
#[cfg(feature = "generator")]
pub mod serve;
#[cfg(feature = "generator")]
pub mod verify;
