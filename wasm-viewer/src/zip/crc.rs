//! CRC-32 for the entries' headers, computed by the viewer over the
//! decrypted file data as it streams past.

/// CRC-32 (IEEE, as ZIP and PNG use), streaming.
///
/// One table lookup per byte: the download is bound by the network and by
/// AES-GCM, which is far slower than this in wasm32, so slicing-by-8's 8 KiB
/// of tables would not pay for themselves.
#[derive(Clone, Debug)]
pub struct Crc32 {
    state: u32,
}

/// The reflected polynomial 0x04C11DB7 (ISO 3309, APPNOTE 4.4.7).
const CRC_TABLE: [u32; 256] = crc_table(0xEDB8_8320);

const fn crc_table(polynomial: u32) -> [u32; 256] {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                polynomial ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[byte] = crc;
        byte += 1;
    }
    table
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Self {
        Self { state: u32::MAX }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            let index = (self.state ^ u32::from(byte)) & 0xFF;
            self.state = CRC_TABLE[index as usize] ^ (self.state >> 8);
        }
    }

    pub fn finish(&self) -> u32 {
        !self.state
    }
}
