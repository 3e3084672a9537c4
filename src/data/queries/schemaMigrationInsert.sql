-- Records one applied migration. $1 version, $2 name, $3 whether older builds may run on it.
INSERT INTO schema_migrations (version, name, backward_compatible) VALUES ($1, $2, $3)
