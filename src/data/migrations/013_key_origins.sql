-- backward-compatible
-- The origins a key may be used from (`npm run keys -- create --origin https://app.example.com`): a key
-- shipped inside a page is public, and this keeps other sites' pages from using it, since browsers send
-- their own Origin. Null: any origin, as before. Written as browsers send the header (scheme, host in
-- lower case, port only when not the default), so the API compares them as text.
--
-- A nullable column only: builds before it ignore the column, and during a rolling upgrade an API process
-- still on such a build does not enforce a key's origins (docs/security.md).
ALTER TABLE api_keys ADD COLUMN allowed_origins text[] CHECK (cardinality(allowed_origins) > 0);
