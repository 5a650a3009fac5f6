"""The harness every backend shares around its own code.

A backend implements the numeric or parsing core of a transform; everything
that must be identical across backends lives here once, so two backends can
only differ where they are meant to:

* :mod:`backend_harness.imputation`: T2's input validation, time parsing,
  ordering, report and output assembly around a kernel;
* :mod:`backend_harness.kernel_input` and :mod:`backend_harness.gaps`: what a
  T2 kernel receives, and the gap definition both kernels and the report use;
* :mod:`backend_harness.frames`: T3-T5's output frames (columns, order, dtypes);
* :mod:`backend_harness.limits`: the ``[limits]`` checks and their messages;
* :mod:`backend_harness.arguments`: checks of hook arguments (T1's vector,
  T3's hour label, T5's field list).

It imports only :mod:`foundations`, :mod:`portal` and :mod:`registry`; the
python backend (``plugins/python_backend``) and the rust backend's glue
(``energy_rust_backend``, which declares this project as a dependency) both
import it.
"""
