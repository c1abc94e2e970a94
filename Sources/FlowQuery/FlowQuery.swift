// The SQL front end and executor live here (see Package.swift).
