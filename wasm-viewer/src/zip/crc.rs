//! CRC-32 of the originals: written into ZIP headers from the manifest, and
//! computed by the viewer over the decrypted file data as it streams past,
//! to check it against that value.

/// CRC-32 (IEEE, as ZIP and PNG use), streaming, sliced by 8: eight table
/// lookups per 8 bytes instead of one per byte (Intel's "slicing-by-8").
/// The download checks the CRC of every original on the same thread that
/// hashes it, so the 8 KiB of tables pay for themselves there: see
/// `bench/crc-sha-wasm.mjs` for the figures.
#[derive(Clone, Debug)]
pub struct Crc32 {
    state: u32,
}

/// The reflected polynomial 0x04C11DB7 (ISO 3309, APPNOTE 4.4.7).
const POLYNOMIAL: u32 = 0xEDB8_8320;

/// `TABLES[0]` is the classic byte table; `TABLES[k][b]` is the CRC of byte
/// `b` followed by `k` zero bytes.
static TABLES: [[u32; 256]; 8] = crc_tables(POLYNOMIAL);

const fn crc_tables(polynomial: u32) -> [[u32; 256]; 8] {
    let mut tables = [[0; 256]; 8];
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
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut byte = 0;
        while byte < 256 {
            let previous = tables[k - 1][byte];
            tables[k][byte] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
            byte += 1;
        }
        k += 1;
    }
    tables
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
        let t = &TABLES;
        let mut crc = self.state;
        let mut blocks = bytes.chunks_exact(8);
        for block in &mut blocks {
            let low = crc ^ u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
            let high = u32::from_le_bytes([block[4], block[5], block[6], block[7]]);
            crc = t[7][(low & 0xFF) as usize]
                ^ t[6][((low >> 8) & 0xFF) as usize]
                ^ t[5][((low >> 16) & 0xFF) as usize]
                ^ t[4][(low >> 24) as usize]
                ^ t[3][(high & 0xFF) as usize]
                ^ t[2][((high >> 8) & 0xFF) as usize]
                ^ t[1][((high >> 16) & 0xFF) as usize]
                ^ t[0][(high >> 24) as usize];
        }
        for &byte in blocks.remainder() {
            crc = t[0][((crc ^ u32::from(byte)) & 0xFF) as usize] ^ (crc >> 8);
        }
        self.state = crc;
    }

    pub fn finish(&self) -> u32 {
        !self.state
    }
}
