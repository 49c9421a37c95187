//! The one source of randomness: keys, ids, salts, passphrases and
//! temporary file names all come from the operating system's generator.

/// Bytes from the OS CSPRNG. A machine without one cannot make a gallery.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes
}
