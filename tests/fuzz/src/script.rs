//! The `viewer` target's input: a script of calls to the viewer's C ABI, in
//! the order `viewer.js` makes them. Each step is `op u8 || len u16 (LE) ||
//! payload[len]`; a truncated last step is dropped.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    OpenHeader,
    /// Payload ignored: unlocks with the fixed password key.
    UnlockKey,
    /// Payload ignored: unlocks with the fixed link secret.
    UnlockLink,
    /// Payload ignored: the fixed password key then the fixed link secret.
    UnlockTwoFactor,
    OpenManifest,
    /// Payload: photo number, kind (0 thumbnail, 1 preview), then the blob.
    OpenPhoto,
    /// Payload: photo number.
    OriginalBegin,
    OriginalPush,
    OriginalFinish,
    /// Payload: a JSON array of photo numbers.
    ZipBegin,
    /// Payload: photo number.
    ZipEntry,
    ZipFinish,
    SignSelection,
    Lock,
    /// Payload used as-is as a key of any length.
    UnlockKeyRaw,
    /// Payload: photo number.
    OriginalPins,
    /// Payload: photo number, then the blob's first bytes.
    OriginalKey,
    /// Payload: the pins (52 or 84 bytes when well formed).
    CheckBegin,
    CheckCiphertext,
    /// Payload: a decrypted chunk.
    CheckChunk,
    CheckFinish,
    /// Payload: segment digests (32 bytes each when well formed).
    CheckSegments,
}

// New ops go last, so the committed seeds keep their meaning.
const OPS: [Op; 22] = [
    Op::OpenHeader,
    Op::UnlockKey,
    Op::UnlockLink,
    Op::UnlockTwoFactor,
    Op::OpenManifest,
    Op::OpenPhoto,
    Op::OriginalBegin,
    Op::OriginalPush,
    Op::OriginalFinish,
    Op::ZipBegin,
    Op::ZipEntry,
    Op::ZipFinish,
    Op::SignSelection,
    Op::Lock,
    Op::UnlockKeyRaw,
    Op::OriginalPins,
    Op::OriginalKey,
    Op::CheckBegin,
    Op::CheckCiphertext,
    Op::CheckChunk,
    Op::CheckFinish,
    Op::CheckSegments,
];

/// Splits a script into its steps.
pub fn decode(mut bytes: &[u8]) -> Vec<(Op, &[u8])> {
    let mut steps = Vec::new();
    while bytes.len() >= 3 {
        let op = OPS[usize::from(bytes[0]) % OPS.len()];
        let len = usize::from(u16::from_le_bytes([bytes[1], bytes[2]]));
        let Some(payload) = bytes.get(3..3 + len) else {
            break;
        };
        steps.push((op, payload));
        bytes = &bytes[3 + len..];
    }
    steps
}

/// Writes a script (for the seed corpus).
pub fn encode(steps: &[(Op, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (op, payload) in steps {
        let index = OPS
            .iter()
            .position(|o| o == op)
            .expect("every op is listed");
        out.push(index as u8);
        let len = u16::try_from(payload.len()).expect("a step is below 64 KiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(payload);
    }
    out
}
