//! One photo's pixels and bytes: decoding (`decode`), the thumbnail and
//! preview JPEGs (`render`, `watermark`), and originals with their private
//! metadata stripped (`original`, `strip`). Imports only `format`.

#[cfg(feature = "generator")]
pub mod decode;
pub mod exif;
#[cfg(feature = "generator")]
pub mod original;
#[cfg(feature = "generator")]
pub mod render;
#[cfg(feature = "generator")]
pub mod strip;
#[cfg(feature = "generator")]
pub mod watermark;
