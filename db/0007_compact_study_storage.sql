-- Studies take less room (issue 14): abstract sections and authors in their compact form
-- (store/study_columns.py: a section's text is a slice of the plain abstract, its HTML kept
-- only where it is not the escaped text; each distinct affiliation stored once), and raw
-- records in zstd with the shipped dictionary (domain/raw.py). The connection provides the
-- re-encoding functions to SQL (store/database.py); each reads the old form and writes what
-- the store writes now, so a row reads back as the same Study. Title, abstract and journal
-- are left as they are: the full-text index reads them from this table.
-- The file keeps the freed pages until it is vacuumed (`evidence-tracker compact`).
UPDATE studies SET
    abstract_sections = evidence_recode_sections(abstract_sections, abstract),
    authors = evidence_recode_authors(authors),
    raw_record = evidence_recode_raw(raw_record);

UPDATE study_revisions SET raw_record = evidence_recode_raw(raw_record)
WHERE raw_record IS NOT NULL;
