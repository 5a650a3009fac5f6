"""The pipeline's cores: what a run fetches, transforms, loads and reports, without Prefect.

Each core is a plain function that runs and is tested without Prefect; the
Prefect flows in :mod:`prefect_flows` wrap the same functions. Inside a core,
every stage (fetch, drift check, parse, impute, load) goes through the step
runner of :mod:`pipeline.runtime`: called directly it just runs the stage
(:func:`pipeline.runtime.run_direct`), and the flows pass a runner that makes
each stage a Prefect task, so the same code shows up as tasks in the Prefect UI.

Modules, one job each:

* ``weather``, ``wind``, ``pv``: the flow cores (``run_weather``, ``run_wind``,
  ``run_pv``);
* ``jobs``: the main job's plan (``energy run``) and running it as plain
  functions; ``backfill``: backfill plans and runs, within the request budget;
* ``runtime``: what every core runs inside (registry per run, storage, run log,
  notification, step runner); ``summary``: what a run did;
* ``fetching``: fetching many bodies, keeping what arrived when some fail;
  ``request_budget``: the daily request ledger kept in the database;
  ``drift``: schema-drift checks against the stored baseline;
  ``notify``: the run's notification; ``retry_hint``: the command that reruns
  a failed period;
* ``logs``: one logging call (Prefect's run logger inside a run, structlog
  outside); ``listeners``: process-local progress and finished-run listeners;
  ``dates``: Asia/Seoul calendar helpers; ``reference``: the bundled PV unit
  list (``nambu_pv_units.csv``, package data).

No module here imports Prefect at module level, and none imports
:mod:`prefect_flows`: imports point one way, from the flows to the cores
(``tests/flows/test_layout.py``).
"""
