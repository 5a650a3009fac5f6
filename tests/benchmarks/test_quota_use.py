"""Smoke test of the quota benchmark: its quick slices, request counts only (no timing)."""

from __future__ import annotations

from benchmarks import quota_use


def test_quick_run_counts_requests_server_side():
    # Short latencies and a high rate keep it to a few seconds; the counts do not depend on them.
    settings = quota_use.Settings(max_concurrency=8, requests_per_second=200.0, latency_ms=(1, 5))
    results = quota_use.run(quota_use.quick_scenario(), settings, log=lambda line: None)
    got = {(m.source, m.way): (m.requests, m.full_requests, m.hours_checked) for m in results}
    assert got == {
        # 3 stations x 2 chunks of 41 days; the old way: 3 stations x 2 days measured, x 82 days in all.
        ("asos", "new"): (6, 6, 3 * 82 * 24),
        ("asos", "old"): (6, 3 * 82, 3 * 2 * 24),
        # 31 units x 14 days: one all-units query of 15 days x 31 records = 5 pages of 100.
        ("pv", "new"): (5, 5, 31 * 14 * 24),
        ("pv", "old"): (4, 31 * 14, 2 * 2 * 24),
        # Two months, each 2 pages of records + the empty page that ends the paging.
        ("wind", "new"): (6, 6, 5 * 59 * 24),
    }
    assert all(m.retries == 0 for m in results)
    text = quota_use.section(results, quota_use.quick_scenario(), settings, "test", quick=True)
    assert quota_use.SECTION in text and "extrapolated from 6 requests" in text


def test_write_section_replaces_the_old_pv_section(tmp_path):
    doc = tmp_path / "bench.md"
    doc.write_text(
        "# Pipeline benchmarks\n\n## PV backfill concurrency\n\nold text\n\n## PostgreSQL load\n\nkept\n",
        encoding="utf-8",
    )
    quota_use.write_section(f"{quota_use.SECTION}\n\nnew text\n", doc)
    quota_use.write_section(f"{quota_use.SECTION}\n\nnewer text\n", doc)
    text = doc.read_text(encoding="utf-8")
    assert "old text" not in text and "new text" not in text and "newer text" in text
    assert text.index(quota_use.SECTION) < text.index("## PostgreSQL load") and "kept" in text
