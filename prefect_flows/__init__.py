"""The pipeline's flows: plain-function cores, and thin Prefect 3 wrappers around them.

Modules, one job each:

* ``weather``, ``wind``, ``pv``: the flow cores (``run_weather``, ``run_wind``,
  ``run_pv``), runnable and testable without Prefect;
* ``jobs``: the main job's plan (``energy run``) and backfills, as plain functions;
* ``runtime``: what every core runs inside (registry per run, storage, run log,
  notification, step runner); ``summary``: what a run did;
* ``drift``, ``notify``, ``artifacts``, ``logs``, ``listeners``, ``dates``,
  ``reference`` (the bundled PV unit list);
* ``flows``: the ``@flow`` wrappers (imports Prefect); ``deployments``: the
  schedules; ``prefect_env``: Prefect's settings, applied before it is imported.

Importing this package does not import Prefect.
"""
