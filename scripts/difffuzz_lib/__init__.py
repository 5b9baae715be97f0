"""scripts/difffuzz's parts (docs/difffuzz.md): prog (the program format),
gen (the ABI-driven generator), run (batches on backends, traces), compare
(divergences and crashes), shrink (delta debugging), cases (regression cases)."""
