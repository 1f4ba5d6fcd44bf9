"""Verification: specifications (VNN-LIB), bounds, certificates and the independent checker.

Modules: :mod:`tlean.verify.vnnlib` (VNN-LIB reader) and :mod:`tlean.verify.spec` (the normal
form of a property), :mod:`tlean.verify.cert` (the ``tlean.cert.v1`` format),
:mod:`tlean.verify.checker` (the exact certificate checker, independent of the bound engine).
Submodules are imported explicitly; this package imports nothing eagerly.
"""
