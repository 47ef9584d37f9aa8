"""Development data generators (the bundled sample region, national-scale raw folders): not part of the domain."""
