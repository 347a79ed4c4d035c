"""KYC: each customer's risk rating from stated factors (explained factor by factor), officers' overrides,
periodic reviews with due days from the thresholds in force, and identity documents kept encrypted.

`rating` holds the points table and the pure rules, `selectors` the reads (the review queue), `services`
the audited writes, `views` and `forms` the portal pages. docs/compliance.md describes it for people."""
