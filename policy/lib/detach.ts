// V8 keeps a whole string alive for as long as any substring of 13 or more characters taken from
// it lives (a "sliced string"), and a concatenation alive for as long as any part of it. A YAML
// parser hands out such substrings of the file's text, so keeping one small value (a name, a
// label) would keep the whole file in memory; the checker detaches what it keeps.

/** The same text, no longer referencing the string it was taken from. */
export function detach(s: string): string {
    // Concatenating makes a new string; slicing it flattens that into one fresh copy.
    return s.length >= 13 ? (" " + s).slice(1) : s;
}
