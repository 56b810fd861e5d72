//! Passphrase strength: one estimator (zxcvbn) and one threshold, shared by
//! the CLI and the extension (through the WASM build), so both refuse the same
//! passphrases.

/// The lowest zxcvbn score (0–4) accepted for a new passphrase: 3 is "safely
/// unguessable: moderate protection from offline slow-hash scenario", which an
/// Argon2id-protected key file is.
pub const MIN_SCORE: u8 = 3;

/// What the estimator says of a passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strength {
    /// zxcvbn's score, 0 (guessed at once) to 4.
    pub score: u8,
    /// Whether the score reaches [`MIN_SCORE`].
    pub ok: bool,
    /// What makes it weak, when zxcvbn says.
    pub warning: Option<String>,
    /// How to make it stronger.
    pub suggestions: Vec<String>,
}

/// Estimates `passphrase`'s strength.
pub fn passphrase_strength(passphrase: &str) -> Strength {
    let estimate = zxcvbn::zxcvbn(passphrase, &[]);
    let score = u8::from(estimate.score());
    let feedback = estimate.feedback();
    Strength {
        score,
        ok: score >= MIN_SCORE,
        warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
        suggestions: feedback
            .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passphrases_are_refused() {
        for weak in [
            "password",
            "12345678",
            "iloveyou",
            "qwertyuiop",
            "Passw0rd!",
        ] {
            let s = passphrase_strength(weak);
            assert!(!s.ok, "{weak} accepted with score {}", s.score);
        }
        assert!(passphrase_strength("password").warning.is_some());
    }

    #[test]
    fn the_suites_passphrases_pass() {
        for good in [
            "correct horse battery staple",
            "a brand new passphrase",
            "another passphrase for a new key",
            "Ångström café clé horse battery",
        ] {
            let s = passphrase_strength(good);
            assert!(s.ok, "{good} refused with score {}", s.score);
        }
    }
}
