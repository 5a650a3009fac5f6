//! The not-a-knot cubic spline of scipy's `CubicSpline(x, y)` (default `bc_type`).
//!
//! Built the way scipy builds it, step for step, so the two agree to rounding:
//! the first derivatives `s` solve scipy's banded system (the interior rows of
//! the C2 conditions plus its two not-a-knot end rows), solved with LAPACK
//! `dgtsv`'s algorithm (Gaussian elimination with partial pivoting, which is
//! what `scipy.linalg.solve_banded((1, 1), ...)` calls); then the Hermite
//! coefficients and the power-basis evaluation of `PPoly`. O(n) time and memory.
//!
//! Each elimination step waits for the previous one's division, so one solve
//! runs at the divider's latency. [`NotAKnotSpline::fit_many`] solves several
//! stations' systems in lockstep, letting the CPU overlap their independent
//! dependency chains.

use crate::error::{Result, TransformError};

/// A not-a-knot cubic spline through at least four points with strictly increasing x.
#[derive(Debug, Clone)]
pub struct NotAKnotSpline {
    x: Vec<f64>,
    y: Vec<f64>,
    slopes: Vec<f64>,
}

impl NotAKnotSpline {
    /// Fits the spline. Requires `x.len() == y.len() >= 4`, finite values and
    /// strictly increasing `x` (what the caller's per-station rows guarantee).
    pub fn fit(x: Vec<f64>, y: Vec<f64>) -> Result<Self> {
        let mut fitted = Self::fit_many(vec![(x, y)])?;
        Ok(fitted.remove(0))
    }

    /// Fits one spline per `(x, y)`, solving the systems side by side.
    pub fn fit_many(points: Vec<(Vec<f64>, Vec<f64>)>) -> Result<Vec<Self>> {
        let mut systems = Vec::with_capacity(points.len());
        for (x, y) in &points {
            check_points(x, y)?;
            systems.push(Tridiagonal::not_a_knot(x, y));
        }
        solve_many(&mut systems)?;
        Ok(points
            .into_iter()
            .zip(systems)
            .map(|((x, y), system)| Self {
                x,
                y,
                slopes: system.b,
            })
            .collect())
    }

    /// The first derivative at each knot (scipy's `s`).
    pub fn knot_derivatives(&self) -> &[f64] {
        &self.slopes
    }

    /// Value at `xv` using the piece `[x[i], x[i+1]]`, given by the caller who
    /// already knows which interval holds `xv` (no search).
    pub fn eval_in(&self, i: usize, xv: f64) -> f64 {
        let dx = self.x[i + 1] - self.x[i];
        let slope = (self.y[i + 1] - self.y[i]) / dx;
        let t = (self.slopes[i] + self.slopes[i + 1] - 2.0 * slope) / dx;
        let c0 = t / dx;
        let c1 = (slope - self.slopes[i]) / dx - t;
        let c2 = self.slopes[i];
        let c3 = self.y[i];
        // PPoly's evaluate_poly1: ascending powers, accumulated in this order.
        let z = xv - self.x[i];
        let mut res = c3;
        let mut p = z;
        res += c2 * p;
        p *= z;
        res += c1 * p;
        p *= z;
        res += c0 * p;
        res
    }

    /// Value at `xv`, finding the interval as `PPoly` does (`x[i] <= xv < x[i+1]`,
    /// the last piece extrapolating to the right and the first to the left).
    pub fn eval(&self, xv: f64) -> f64 {
        let n = self.x.len();
        let i = match self.x.partition_point(|&k| k <= xv) {
            0 => 0,
            p => (p - 1).min(n - 2),
        };
        self.eval_in(i, xv)
    }
}

fn check_points(x: &[f64], y: &[f64]) -> Result<()> {
    let n = x.len();
    if n != y.len() {
        return Err(TransformError::input("spline: x and y differ in length"));
    }
    if n < 4 {
        return Err(TransformError::input(format!(
            "spline: needs at least 4 points, got {n}"
        )));
    }
    if x.windows(2)
        .any(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
    {
        return Err(TransformError::input(
            "spline: x must be strictly increasing",
        ));
    }
    Ok(())
}

fn singular() -> TransformError {
    TransformError::input("spline: singular system (repeated x?)")
}

/// A tridiagonal system in LAPACK's band layout: `dl[i] = A[i+1][i]`,
/// `d[i] = A[i][i]`, `du[i] = A[i][i+1]`; the solution replaces `b`.
pub struct Tridiagonal {
    pub dl: Vec<f64>,
    pub d: Vec<f64>,
    pub du: Vec<f64>,
    pub b: Vec<f64>,
}

impl Tridiagonal {
    /// scipy's system for the knot derivatives of the not-a-knot spline.
    fn not_a_knot(x: &[f64], y: &[f64]) -> Self {
        let n = x.len();
        let dx = |i: usize| x[i + 1] - x[i];
        let slope = |i: usize| (y[i + 1] - y[i]) / dx(i);
        let mut t = Self {
            dl: vec![0.0; n - 1],
            d: vec![0.0; n],
            du: vec![0.0; n - 1],
            b: vec![0.0; n],
        };
        let (mut h_prev, mut m_prev) = (dx(0), slope(0));
        for i in 1..n - 1 {
            let (h, m) = (dx(i), slope(i));
            t.d[i] = 2.0 * (h_prev + h);
            t.du[i] = h_prev;
            t.dl[i - 1] = h;
            t.b[i] = 3.0 * (h * m_prev + h_prev * m);
            (h_prev, m_prev) = (h, m);
        }
        let d0 = x[2] - x[0];
        t.d[0] = dx(1);
        t.du[0] = d0;
        t.b[0] = ((dx(0) + 2.0 * d0) * dx(1) * slope(0) + dx(0) * dx(0) * slope(1)) / d0;
        let dn = x[n - 1] - x[n - 3];
        t.d[n - 1] = dx(n - 3);
        t.dl[n - 2] = dn;
        t.b[n - 1] = (dx(n - 2) * dx(n - 2) * slope(n - 3)
            + (2.0 * dn + dx(n - 2)) * dx(n - 3) * slope(n - 2))
            / dn;
        t
    }

    fn len(&self) -> usize {
        self.d.len()
    }

    /// Elimination of row `i` (`i < n - 1`), LAPACK `dgtsv`'s step, except
    /// that the pivot's reciprocal is kept in `d[i]` for the back substitution.
    #[inline]
    fn forward(&mut self, i: usize) -> Result<()> {
        let (dl, d, du, b) = (&mut self.dl, &mut self.d, &mut self.du, &mut self.b);
        let last = i + 2 == d.len();
        if d[i].abs() >= dl[i].abs() {
            if d[i] == 0.0 {
                return Err(singular());
            }
            let inv = 1.0 / d[i];
            let fact = dl[i] * inv;
            d[i + 1] -= fact * du[i];
            b[i + 1] -= fact * b[i];
            dl[i] = 0.0;
            d[i] = inv;
        } else {
            let fact = d[i] / dl[i];
            d[i] = 1.0 / dl[i];
            let temp = d[i + 1];
            d[i + 1] = du[i] - fact * temp;
            if !last {
                // dl[i] now holds the fill-in of the second superdiagonal.
                dl[i] = du[i + 1];
                du[i + 1] = -fact * dl[i];
            }
            du[i] = temp;
            let tb = b[i];
            b[i] = b[i + 1];
            b[i + 1] = tb - fact * b[i + 1];
        }
        Ok(())
    }

    /// The last two unknowns, once elimination is done.
    fn finish(&mut self) -> Result<()> {
        let n = self.len();
        if self.d[n - 1] == 0.0 {
            return Err(singular());
        }
        self.b[n - 1] /= self.d[n - 1];
        if n > 1 {
            self.b[n - 2] = (self.b[n - 2] - self.du[n - 2] * self.b[n - 1]) * self.d[n - 2];
        }
        Ok(())
    }

    /// Back substitution of row `i` (`i < n - 2`): multiplies by the kept
    /// reciprocal, which takes the division off the serial chain (the result
    /// moves by a rounding step, far inside the 1e-9 equivalence tolerance).
    #[inline]
    fn back(&mut self, i: usize) {
        let b = &mut self.b;
        b[i] = (b[i] - self.du[i] * b[i + 1] - self.dl[i] * b[i + 2]) * self.d[i];
    }
}

/// Solves every system, stepping all of them row by row together.
pub fn solve_many(systems: &mut [Tridiagonal]) -> Result<()> {
    let longest = systems.iter().map(Tridiagonal::len).max().unwrap_or(0);
    for i in 0..longest.saturating_sub(1) {
        for s in systems.iter_mut().filter(|s| i + 1 < s.len()) {
            s.forward(i)?;
        }
    }
    for s in systems.iter_mut().filter(|s| s.len() > 0) {
        s.finish()?;
    }
    for step in 0..longest.saturating_sub(2) {
        for s in systems.iter_mut().filter(|s| step + 2 < s.len()) {
            let i = s.len() - 3 - step;
            s.back(i);
        }
    }
    Ok(())
}

/// LAPACK `dgtsv` for one right-hand side, in place (the solution ends in `b`).
pub fn gtsv(dl: &mut [f64], d: &mut [f64], du: &mut [f64], b: &mut [f64]) -> Result<()> {
    let mut system = [Tridiagonal {
        dl: dl.to_vec(),
        d: d.to_vec(),
        du: du.to_vec(),
        b: b.to_vec(),
    }];
    solve_many(&mut system)?;
    b.copy_from_slice(&system[0].b);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(1.0)
    }

    #[test]
    fn four_points_give_the_interpolating_cubic() {
        let f = |t: f64| 0.5 * t * t * t - 2.0 * t * t + t - 3.0;
        let x = vec![0.0, 1.0, 2.5, 4.0];
        let y: Vec<f64> = x.iter().map(|&t| f(t)).collect();
        let s = NotAKnotSpline::fit(x, y).unwrap();
        for xv in [0.3, 1.7, 3.9, 2.5, -1.0, 5.0] {
            assert!(
                close(s.eval(xv), f(xv)),
                "{xv}: {} vs {}",
                s.eval(xv),
                f(xv)
            );
        }
    }

    #[test]
    fn reproduces_a_cubic_through_many_points() {
        let f = |t: f64| -0.1 * t * t * t + t * t - 4.0;
        let x: Vec<f64> = (0..20).map(|i| f64::from(i) * 1.5 + 475_000.0).collect();
        let y: Vec<f64> = x.iter().map(|&t| f(t - 475_000.0)).collect();
        let s = NotAKnotSpline::fit(x, y).unwrap();
        for k in 0..50 {
            let xv = 475_000.0 + f64::from(k) * 0.55;
            assert!(close(s.eval(xv), f(xv - 475_000.0)));
        }
    }

    /// Values computed by scipy 1.17: CubicSpline([0,1,2,4,7], [1,3,2,5,0])([0.5, 3, 5.5]).
    #[test]
    fn matches_scipy_reference_values() {
        let s = NotAKnotSpline::fit(vec![0.0, 1.0, 2.0, 4.0, 7.0], vec![1.0, 3.0, 2.0, 5.0, 0.0])
            .unwrap();
        let expected = [
            2.763_068_181_818_182,
            2.854_545_454_545_454_5,
            6.442_613_636_363_635,
        ];
        for (xv, e) in [0.5, 3.0, 5.5].into_iter().zip(expected) {
            assert!(close(s.eval(xv), e), "{xv}: {} vs {e}", s.eval(xv));
        }
    }

    #[test]
    fn lockstep_solves_match_single_solves() {
        let sets: Vec<(Vec<f64>, Vec<f64>)> = (4..12)
            .map(|n| {
                let x: Vec<f64> = (0..n)
                    .map(|i| f64::from(i) * 1.3 + f64::from(i % 3) * 0.2)
                    .collect();
                let y: Vec<f64> = x.iter().map(|v| (v * 0.7).sin() * 10.0).collect();
                (x, y)
            })
            .collect();
        let together = NotAKnotSpline::fit_many(sets.clone()).unwrap();
        for ((x, y), spline) in sets.into_iter().zip(together) {
            let alone = NotAKnotSpline::fit(x, y).unwrap();
            assert_eq!(alone.knot_derivatives(), spline.knot_derivatives());
        }
    }

    #[test]
    fn refuses_bad_input() {
        assert!(NotAKnotSpline::fit(vec![0.0, 1.0, 2.0], vec![0.0; 3]).is_err());
        assert!(NotAKnotSpline::fit(vec![0.0, 1.0, 1.0, 2.0], vec![0.0; 4]).is_err());
        assert!(NotAKnotSpline::fit(vec![0.0, 1.0, 2.0, 3.0], vec![0.0; 3]).is_err());
    }
}
