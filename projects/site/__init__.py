"""The website: its pages by family (lists and searches, the project page and its checks,
adding and editing projects, archiving and deleting, distros, mappings, flags), its forms,
its feeds and its URLs.

Views are thin: they read through :mod:`projects.selectors`, write through
:mod:`projects.services`, and answer a refused change through :mod:`projects.site.errors`.
"""
