//! Turning an attacker-chosen file name into one safe path component.
//!
//! Anyone holding a user's recipient string can encrypt a file to them and choose
//! the name inside it, so every consumer (CLI, extension, vault page) MUST pass
//! names through [`safe_file_name`] before touching the file system.

/// Longest name produced, in UTF-8 bytes (the common file-system limit).
pub const MAX_NAME_BYTES: usize = 255;
/// Name used when nothing usable is left.
pub const FALLBACK_NAME: &str = "decrypted";

const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        // Bidirectional overrides and isolates can disguise an extension
        // ("photo\u{202E}gpj.exe"); zero-width and BOM characters hide text.
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn is_windows_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let stem = stem
        .replace(['\u{00B9}'], "1")
        .replace(['\u{00B2}'], "2")
        .replace(['\u{00B3}'], "3");
    WINDOWS_RESERVED
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&stem))
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Bounds the length, keeping a short extension when there is one.
fn bound_length(name: String) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name;
    }
    match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 && dot > 0 => {
            let ext = &name[dot..];
            format!(
                "{}{}",
                truncate_bytes(&name[..dot], MAX_NAME_BYTES - ext.len()),
                ext
            )
        }
        _ => truncate_bytes(&name, MAX_NAME_BYTES).to_string(),
    }
}

/// Returns a single, safe path component for `name`: no separators, NUL or
/// control characters, not `.` or `..`, not a Windows-reserved device name, no
/// trailing dots or spaces, at most [`MAX_NAME_BYTES`] bytes, never empty.
pub fn safe_file_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| if is_unsafe_char(c) { '_' } else { c })
        .collect();
    // Windows strips trailing dots and spaces; leading spaces confuse people.
    let trimmed = replaced.trim_start().trim_end_matches(['.', ' ']);
    let mut out = if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        FALLBACK_NAME.to_string()
    } else {
        trimmed.to_string()
    };
    if is_windows_reserved(&out) {
        out.insert(0, '_');
    }
    let out = bound_length(out);
    let out = out.trim_end_matches(['.', ' ']).to_string();
    if out.is_empty() {
        FALLBACK_NAME.to_string()
    } else {
        out
    }
}

/// Most folder levels kept from a metadata `folder` (FORMAT.md §6).
pub const MAX_FOLDER_DEPTH: usize = 32;

/// The folders of an attacker-chosen relative `folder` path ("a/b/c"), each a
/// [`safe_file_name`]; empty, `.` and `..` components are dropped, so the
/// result, joined under any directory, never leaves it.
pub fn safe_folders(folder: &str) -> Vec<String> {
    folder
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .take(MAX_FOLDER_DEPTH)
        .map(safe_file_name)
        .collect()
}

/// Whether `name` is already what [`safe_file_name`] would make of it.
pub fn is_safe_file_name(name: &str) -> bool {
    safe_file_name(name) == name
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(safe_file_name("report.pdf"), "report.pdf");
        assert_eq!(safe_file_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_file_name(".."), FALLBACK_NAME);
        assert_eq!(safe_file_name("."), FALLBACK_NAME);
        assert_eq!(safe_file_name(""), FALLBACK_NAME);
        assert_eq!(safe_file_name("a\0b\nc"), "a_b_c");
        assert_eq!(safe_file_name("C:\\Windows\\x"), "C__Windows_x");
        assert_eq!(safe_file_name("con.txt"), "_con.txt");
        assert_eq!(safe_file_name("COM¹"), "_COM¹");
        assert_eq!(safe_file_name("console.txt"), "console.txt");
        assert_eq!(safe_file_name("evil\u{202E}gpj.exe"), "evil_gpj.exe");
        assert_eq!(safe_file_name("name. . "), "name");
        assert_eq!(safe_file_name(".bashrc"), ".bashrc");
        let long = format!("{}.tar.gz", "é".repeat(300));
        let s = safe_file_name(&long);
        assert!(s.len() <= MAX_NAME_BYTES && s.ends_with(".gz"));
    }

    #[test]
    fn folders_never_leave_the_destination() {
        assert_eq!(safe_folders("Taxes/2024"), ["Taxes", "2024"]);
        assert_eq!(safe_folders("../../etc"), ["etc"]);
        assert_eq!(safe_folders("/abs//./x\\..\\y"), ["abs", "x", "y"]);
        assert_eq!(safe_folders("C:/con/a\u{202E}b"), ["C_", "_con", "a_b"]);
        assert!(safe_folders("").is_empty());
        assert_eq!(safe_folders(&"a/".repeat(100)).len(), MAX_FOLDER_DEPTH);
    }

    proptest! {
        #[test]
        fn always_one_safe_component(name in "\\PC{0,400}|[./\\\\ :\\x00-\\x1f]{0,20}") {
            let s = safe_file_name(&name);
            prop_assert!(!s.is_empty());
            prop_assert!(s.len() <= MAX_NAME_BYTES);
            prop_assert!(!s.contains(['/', '\\', '\0']));
            prop_assert!(!s.chars().any(char::is_control));
            prop_assert!(s != "." && s != "..");
            prop_assert!(!s.ends_with(['.', ' ']));
            prop_assert!(!is_windows_reserved(&s));
            prop_assert_eq!(safe_file_name(&s), s.clone());
        }
    }
}
