-- The interface language a user picked on the account page (ru, en); NULL: the app's web.language.
ALTER TABLE users ADD COLUMN language TEXT;
