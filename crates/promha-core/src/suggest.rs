//! "Did you mean": the closest candidate within a small edit distance, for
//! messages about unknown settings, fields and rule ids.

/// The closest candidate within a small edit distance, for "did you mean".
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested() {
        let words = ["min-replicas", "anti-affinity", "session-affinity"];
        assert_eq!(suggest("min-replica", words.iter().copied()), Some("min-replicas"));
        assert_eq!(suggest("ANTI-AFFINITY", words.iter().copied()), Some("anti-affinity"));
        assert_eq!(suggest("nothing-like-it", words.iter().copied()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
