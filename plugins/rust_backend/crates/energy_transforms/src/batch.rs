//! Batches of bodies (T3..T5): every body of a fetch step read in parallel,
//! one task per body (rayon), then one output assembled by the transform.
//!
//! Each body is read and checked exactly as it would be alone (limits apply
//! per body); the first failing body in body order is the error, tagged with
//! its index (`TransformError::InBody`), whatever order the tasks finished in.

use rayon::prelude::*;

use crate::error::Result;

/// `read` of every body, in body order, or the error of the first body that failed.
pub fn each_body<T, F>(bodies: &[&[u8]], read: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(&[u8]) -> Result<T> + Sync,
{
    let results: Vec<Result<T>> = bodies.par_iter().map(|body| read(body)).collect();
    results
        .into_iter()
        .enumerate()
        .map(|(index, result)| result.map_err(|e| e.in_body(index)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransformError;

    #[test]
    fn the_first_failing_body_in_order() {
        let bodies: Vec<&[u8]> = vec![b"1", b"x", b"2", b"y"];
        let read = |b: &[u8]| match b {
            [d @ b'0'..=b'9'] => Ok(d - b'0'),
            _ => Err(TransformError::input("bad")),
        };
        let e = each_body(&bodies, read).unwrap_err();
        assert_eq!(e, TransformError::input("bad").in_body(1));
        assert_eq!(e.to_string(), "body 1: bad");
        assert_eq!(each_body(&bodies[..1], read).unwrap(), vec![1]);
        assert_eq!(each_body(&[], read).unwrap(), Vec::<u8>::new());
    }
}
