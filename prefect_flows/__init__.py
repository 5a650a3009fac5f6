"""The Prefect 3 layer: flows, deployments and artifacts around the cores in :mod:`pipeline`.

Modules:

* ``flows``: the ``@flow`` wrappers of the cores, with a step runner that makes
  each stage a Prefect task (imports Prefect);
* ``deployments``: the deployments on the legacy schedules (``energy serve``);
* ``artifacts``: a run's summary as Prefect artifacts;
* ``prefect_env``: Prefect's settings, applied before Prefect is imported (it
  must not import Prefect itself).

The plain-function cores these wrap live in :mod:`pipeline`; this package
imports them, never the reverse. Importing this package does not import Prefect.
"""
