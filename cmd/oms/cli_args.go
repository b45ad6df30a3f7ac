package main

import (
	"fmt"
	"strconv"
	"strings"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// enumArg maps a friendly name ("buy", "gtc", "stop-limit") to the value of
// a proto enum whose names are PREFIX_NAME.
func enumArg(flagName, v, prefix string, values map[string]int32) (int32, error) {
	if v == "" {
		return 0, nil
	}
	key := prefix + "_" + strings.ToUpper(strings.ReplaceAll(v, "-", "_"))
	if n, ok := values[key]; ok && n != 0 {
		return n, nil
	}
	var names []string
	for k, n := range values {
		if n != 0 {
			names = append(names, strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, prefix+"_"), "_", "-")))
		}
	}
	return 0, fmt.Errorf("--%s: unknown value %q (one of %s)", flagName, v, strings.Join(sortStrings(names), ", "))
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// parseMicro parses a decimal number of degrees ("48.8566") into
// micro-degrees exactly.
func parseMicro(flagName, s string) (int32, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 6 {
		return 0, fmt.Errorf("--%s: at most 6 decimals", flagName)
	}
	frac += strings.Repeat("0", 6-len(frac))
	w, err1 := strconv.ParseInt(whole, 10, 32)
	f, err2 := strconv.ParseInt(frac, 10, 32)
	if err1 != nil || err2 != nil || w > 180 {
		return 0, fmt.Errorf("--%s: want degrees such as 48.8566", flagName)
	}
	v := int32(w*1_000_000 + f)
	if neg {
		v = -v
	}
	return v, nil
}

// parseCoord parses "LAT,LON" in degrees.
func parseCoord(flagName, s string) (lat, lon int32, err error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, fmt.Errorf("--%s: want LAT,LON in degrees, e.g. 48.8566,2.3522", flagName)
	}
	if lat, err = parseMicro(flagName, strings.TrimSpace(a)); err != nil {
		return 0, 0, err
	}
	lon, err = parseMicro(flagName, strings.TrimSpace(b))
	return lat, lon, err
}

// lineQtys parses repeated --line LINE:QTY.
func lineQtys(flagName string, in []string) ([][2]int64, error) {
	var out [][2]int64
	for _, s := range in {
		a, b, ok := strings.Cut(s, ":")
		l, err1 := strconv.ParseUint(a, 10, 32)
		q, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("--%s %q: want LINE:QTY, e.g. 1:2", flagName, s)
		}
		out = append(out, [2]int64{int64(l), q})
	}
	return out, nil
}

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

// nz is v in decimal, blank for 0 (an id or line number the row has none of).
func nz(v uint64) string {
	if v == 0 {
		return ""
	}
	return utoa(v)
}
