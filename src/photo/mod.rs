//! One photo's pixels and bytes: decoding (`decode`), the thumbnail and
//! preview JPEGs (`render`, `watermark`), and originals with their private
//! metadata stripped (`original`, `strip`). Imports only `format`.

pub mod decode;
pub mod original;
pub mod render;
pub mod strip;
pub mod watermark;
