"""End-to-end jobs: each one is data + model + training + report, as a ``homeml`` command runs it.

- :mod:`homeml.jobs.digits`: ``homeml train/evaluate/predict`` (MNIST, Fashion-MNIST)
- :mod:`homeml.jobs.rl`: ``homeml rl ENV --algo ALGO``
- :mod:`homeml.jobs.movielens`: ``homeml train movielens --algo ALGO``, ``homeml recommend``
- :mod:`homeml.jobs.info`: ``homeml info``

Jobs sit above the algorithms (``learn``, ``rl``, ``nn``, ``models``, ``train``), storage and
``plot``; only ``cli.py`` and ``serve/`` import them. A new job is one module here.
"""
