//! Property tests of the numeric kernels: T1 against a naive scan, the spline
//! against a dense solve of its defining equations, and T2's rule order.

// Small generated sizes: casts cannot wrap; index loops mirror the maths.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::needless_range_loop
)]

use energy_transforms::impute::{impute_kernel, method, KernelInput};
use energy_transforms::runs::find_missing_runs;
use energy_transforms::spline::NotAKnotSpline;
use proptest::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// Gaussian elimination with partial pivoting on a dense system.
fn dense_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            for k in col..n {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

/// The not-a-knot spline from its definition: one cubic `a + b t + c t^2 + d t^3`
/// per interval (t from the interval's left knot), interpolating, C1 and C2 at
/// the inner knots, and C3 at the second and the second-to-last knot.
fn spline_by_definition(x: &[f64], y: &[f64], at: f64) -> f64 {
    let m = x.len() - 1;
    let unknowns = 4 * m;
    let mut rows = Vec::new();
    let mut rhs = Vec::new();
    let mut eq = |coeffs: Vec<(usize, f64)>, value: f64| {
        let mut row = vec![0.0; unknowns];
        for (i, c) in coeffs {
            row[i] += c;
        }
        rows.push(row);
        rhs.push(value);
    };
    for i in 0..m {
        let h = x[i + 1] - x[i];
        eq(vec![(4 * i, 1.0)], y[i]);
        eq(
            vec![
                (4 * i, 1.0),
                (4 * i + 1, h),
                (4 * i + 2, h * h),
                (4 * i + 3, h * h * h),
            ],
            y[i + 1],
        );
        if i + 1 < m {
            let j = 4 * (i + 1);
            eq(
                vec![
                    (4 * i + 1, 1.0),
                    (4 * i + 2, 2.0 * h),
                    (4 * i + 3, 3.0 * h * h),
                    (j + 1, -1.0),
                ],
                0.0,
            );
            eq(
                vec![(4 * i + 2, 2.0), (4 * i + 3, 6.0 * h), (j + 2, -2.0)],
                0.0,
            );
        }
    }
    eq(vec![(3, 1.0), (7, -1.0)], 0.0);
    eq(vec![(4 * (m - 2) + 3, 1.0), (4 * (m - 1) + 3, -1.0)], 0.0);
    let c = dense_solve(rows, rhs);
    let i = (0..m).rfind(|&i| x[i] <= at).unwrap_or(0);
    let t = at - x[i];
    c[4 * i] + t * (c[4 * i + 1] + t * (c[4 * i + 2] + t * c[4 * i + 3]))
}

fn knots() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (4usize..12).prop_flat_map(|n| {
        (
            proptest::collection::vec(0.25f64..5.0, n),
            proptest::collection::vec(-50.0f64..50.0, n),
            0.0f64..1e5,
        )
            .prop_map(|(steps, y, origin)| {
                let mut x = Vec::with_capacity(steps.len());
                let mut acc = origin;
                for s in steps {
                    acc += s;
                    x.push(acc);
                }
                (x, y)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn runs_match_a_naive_scan(mask in proptest::collection::vec(any::<bool>(), 0..200)) {
        let values: Vec<f64> = mask.iter().map(|&m| if m { f64::NAN } else { 1.0 }).collect();
        let (starts, lengths) = find_missing_runs(&values);
        let mut expected = Vec::new();
        for i in 0..mask.len() {
            if mask[i] && (i == 0 || !mask[i - 1]) {
                let len = mask[i..].iter().take_while(|&&m| m).count();
                expected.push((i as i64, len as i64));
            }
        }
        let got: Vec<(i64, i64)> = starts.into_iter().zip(lengths).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn spline_matches_its_definition((x, y) in knots(), frac in 0.0f64..1.0) {
        let at = x[0] + frac * (x[x.len() - 1] - x[0]);
        let spline = NotAKnotSpline::fit(x.clone(), y.clone()).unwrap();
        let expected = spline_by_definition(&x, &y, at);
        // The dense solve is less accurate than the banded one, hence 1e-6.
        prop_assert!(close(spline.eval(at), expected, 1e-6), "{} vs {}", spline.eval(at), expected);
        for (xi, yi) in x.iter().zip(&y) {
            prop_assert!(close(spline.eval(*xi), *yi, 1e-9));
        }
    }

    #[test]
    fn kernel_keeps_observed_values_and_labels_every_row(
        values in proptest::collection::vec(proptest::option::of(-50.0f64..50.0), 0..60),
        split in 0usize..60,
        max_gap in 0i64..5,
    ) {
        let n = values.len();
        let split = split.min(n) as i64;
        let v: Vec<f64> = values.iter().map(|o| o.unwrap_or(f64::NAN)).collect();
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let key: Vec<i64> = (0..n).map(|i| (i % 3) as i64).collect();
        let starts = [0, split, n as i64];
        let (filled, methods) = impute_kernel(&KernelInput {
            x: &x, group_starts: &starts, values: &v, clim_key: &key,
            hist_group: &[], hist_key: &[], hist_values: &[], max_spline_gap: max_gap,
        }).unwrap();
        let any_observed = v.iter().any(|x| !x.is_nan());
        for i in 0..n {
            if v[i].is_nan() {
                prop_assert_ne!(methods[i], method::OBSERVED);
                prop_assert_eq!(methods[i] == method::UNFILLED, !any_observed);
                prop_assert_eq!(filled[i].is_nan(), !any_observed);
            } else {
                prop_assert_eq!(methods[i], method::OBSERVED);
                prop_assert_eq!(filled[i].to_bits(), v[i].to_bits());
            }
        }
    }
}
