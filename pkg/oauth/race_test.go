//go:build race

package oauth

// raceEnabled: the race detector slows code unevenly; timing tests skip.
const raceEnabled = true
