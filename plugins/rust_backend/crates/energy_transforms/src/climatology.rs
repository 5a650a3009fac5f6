//! Rule 6's (station, month-day-hour) means, for one station at a time.
//!
//! A key `month * 10000 + day * 100 + hour` has at most 12 * 31 * 24 values,
//! so the accumulators live in a small dense table indexed by the key (no
//! hashing in the per-row loop); any other key (the kernel accepts arbitrary
//! int64 keys) goes to a hash map. Only keys some long-gap row asks for are
//! accumulated, and the table is cleared key by key after each station.

use std::collections::HashMap;

use crate::sum::MeanAcc;

const SLOTS: usize = 12 * 31 * 24;

pub struct Climatology {
    acc: Vec<MeanAcc>,
    wanted: Vec<bool>,
    touched: Vec<usize>,
    other: HashMap<i64, MeanAcc>,
}

impl Default for Climatology {
    fn default() -> Self {
        Self {
            acc: vec![MeanAcc::default(); SLOTS],
            wanted: vec![false; SLOTS],
            touched: Vec::new(),
            other: HashMap::new(),
        }
    }
}

/// The dense slot of a well-formed key.
#[inline]
fn slot(key: i64) -> Option<usize> {
    let (month, day, hour) = (key / 10_000, key / 100 % 100, key % 100);
    let ok = (1..=12).contains(&month) && (1..=31).contains(&day) && (0..24).contains(&hour);
    ok.then(|| usize::try_from(((month - 1) * 31 + (day - 1)) * 24 + hour).ok())
        .flatten()
}

impl Climatology {
    /// Marks the keys whose means will be asked for.
    pub fn want(&mut self, keys: impl Iterator<Item = i64>) {
        for key in keys {
            match slot(key) {
                Some(i) if !self.wanted[i] => {
                    self.wanted[i] = true;
                    self.touched.push(i);
                }
                Some(_) => {}
                None => {
                    self.other.entry(key).or_default();
                }
            }
        }
    }

    /// Counts an observed value toward its key's mean, if that key is wanted.
    #[inline]
    pub fn add(&mut self, key: i64, val: f64) {
        match slot(key) {
            Some(i) => {
                if self.wanted[i] {
                    self.acc[i].add(val);
                }
            }
            None => {
                if let Some(acc) = self.other.get_mut(&key) {
                    acc.add(val);
                }
            }
        }
    }

    pub fn mean(&self, key: i64) -> Option<f64> {
        match slot(key) {
            Some(i) => self.acc[i].mean(),
            None => self.other.get(&key).and_then(MeanAcc::mean),
        }
    }

    /// Forgets the station's keys and sums, keeping the table's memory.
    pub fn reset(&mut self) {
        for &i in &self.touched {
            self.wanted[i] = false;
            self.acc[i] = MeanAcc::default();
        }
        self.touched.clear();
        self.other.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_other_keys() {
        let mut c = Climatology::default();
        c.want([10_100, 123_123, -5, 10_100].into_iter());
        for (k, v) in [
            (10_100, 1.0),
            (10_100, 3.0),
            (123_123, 5.0),
            (-5, 7.0),
            (20_000, 9.0),
        ] {
            c.add(k, v);
        }
        assert_eq!(c.mean(10_100), Some(2.0));
        assert_eq!(c.mean(123_123), Some(5.0));
        assert_eq!(c.mean(-5), Some(7.0));
        assert_eq!(c.mean(20_000), None);
        c.reset();
        assert_eq!(c.mean(10_100), None);
        assert_eq!(c.mean(-5), None);
    }

    #[test]
    fn slots_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for m in 1..=12 {
            for d in 1..=31 {
                for h in 0..24 {
                    assert!(seen.insert(slot(m * 10_000 + d * 100 + h).unwrap()));
                }
            }
        }
        assert_eq!(slot(130_100), None);
        assert_eq!(slot(10_024), None);
    }
}
