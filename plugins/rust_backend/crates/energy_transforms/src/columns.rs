//! Output column helpers: string columns as (distinct values, row codes), so
//! the binding creates one Python str per distinct value, not one per row.

use std::collections::HashMap;

/// A string column: row `i` holds `values[codes[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrColumn {
    pub values: Vec<String>,
    pub codes: Vec<u32>,
}

impl StrColumn {
    pub fn get(&self, row: usize) -> &str {
        &self.values[self.codes[row] as usize]
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Assigns each distinct string a code, in order of first appearance.
#[derive(Debug, Default)]
pub struct Interner {
    index: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    pub fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = u32::try_from(self.values.len()).expect("fewer than 2^32 distinct strings");
        self.index.insert(s.to_owned(), c);
        self.values.push(s.to_owned());
        c
    }

    /// `rank[code]`: the position of each value in sorted (code point) order,
    /// which is how Python orders str.
    pub fn ranks(&self) -> Vec<u32> {
        let mut by_value: Vec<u32> = (0..self.values.len()).map(|i| i as u32).collect();
        by_value.sort_unstable_by(|&a, &b| self.values[a as usize].cmp(&self.values[b as usize]));
        let mut rank = vec![0u32; self.values.len()];
        for (r, &code) in by_value.iter().enumerate() {
            rank[code as usize] = r as u32;
        }
        rank
    }

    /// The distinct values, in order of first appearance (value `i` has code `i`).
    pub fn into_values(self) -> Vec<String> {
        self.values
    }

    /// Codes in this interner for another interner's values (`values[i]` gets `out[i]`).
    pub fn recode(&mut self, values: &[String]) -> Vec<u32> {
        values.iter().map(|v| self.code(v)).collect()
    }

    pub fn column(self, codes: Vec<u32>) -> StrColumn {
        StrColumn {
            values: self.values,
            codes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_ranks_by_code_point() {
        let mut i = Interner::default();
        let codes: Vec<u32> = ["b", "a", "b", "가", "B"]
            .iter()
            .map(|s| i.code(s))
            .collect();
        assert_eq!(codes, vec![0, 1, 0, 2, 3]);
        assert_eq!(i.ranks(), vec![2, 1, 3, 0]);
        let col = i.column(codes);
        assert_eq!(col.get(3), "가");
    }
}
