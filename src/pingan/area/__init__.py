"""Places: the jurisdiction tree province → city → county → town → village → grid."""
