-- A claim's kind: what sort of question it asks (effect, onset_durability, harms, comparison,
-- mechanism, attribution, regulatory; see design/verdicts.md). NULL = not classified yet:
-- the claim then takes the kind its category implies. The scope is the PICO columns.
ALTER TABLE claims ADD COLUMN kind TEXT;
