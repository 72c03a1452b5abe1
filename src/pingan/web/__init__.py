"""The screens: command dashboard (大屏), working screens and the public citizen page."""
