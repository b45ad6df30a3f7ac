package fix

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Errors of the exact decimal conversion. A syntax or range error is a
// malformed field (session-level reject); a precision error is a business
// reject (off tick or off lot), never a rounding.
var (
	errDecimalSyntax    = errors.New("fix: not a decimal number")
	errDecimalRange     = errors.New("fix: decimal out of range")
	errDecimalPrecision = errors.New("fix: more decimals than the instrument allows")
)

// maxDecimals bounds the scale accepted by parseScaled and formatScaled.
const maxDecimals = 18

// pow10 returns 10^n for n <= 18.
func pow10(n uint8) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v
}

// parseScaled converts a FIX decimal (an optional sign, digits, an optional
// point and digits; no exponent) to an integer count of 10^-dec units. The
// conversion is exact: digits beyond dec must be zeros, otherwise the value
// is not representable and errDecimalPrecision is returned.
func parseScaled(s string, dec uint8) (int64, error) {
	if dec > maxDecimals {
		return 0, fmt.Errorf("%w: scale %d", errDecimalRange, dec)
	}
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" && frac == "" || hasPoint && strings.ContainsRune(frac, '.') {
		return 0, errDecimalSyntax
	}
	var v uint64
	const limit = uint64(math.MaxInt64)
	add := func(d byte) error {
		if d < '0' || d > '9' {
			return errDecimalSyntax
		}
		if v > (limit-uint64(d-'0'))/10 {
			return errDecimalRange
		}
		v = v*10 + uint64(d-'0')
		return nil
	}
	for i := 0; i < len(intPart); i++ {
		if err := add(intPart[i]); err != nil {
			return 0, err
		}
	}
	for i := 0; i < len(frac); i++ {
		if i >= int(dec) {
			if frac[i] < '0' || frac[i] > '9' {
				return 0, errDecimalSyntax
			}
			if frac[i] != '0' {
				return 0, errDecimalPrecision
			}
			continue
		}
		if err := add(frac[i]); err != nil {
			return 0, err
		}
	}
	for i := len(frac); i < int(dec); i++ {
		if err := add('0'); err != nil {
			return 0, err
		}
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// formatScaled renders v units of 10^-dec as a decimal with exactly dec
// decimals.
func formatScaled(v int64, dec uint8) string {
	if dec == 0 {
		return fmt.Sprint(v)
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	p := uint64(pow10(dec))
	s := fmt.Sprintf("%d.%0*d", u/p, int(dec), u%p)
	if neg {
		return "-" + s
	}
	return s
}

// avgPxExtraDecimals is how many decimals beyond the price's own the
// average price carries when CumNotional/CumQty does not terminate.
const avgPxExtraDecimals = 8

// formatAvgPx renders notional/qty price units as a decimal price with dec
// decimals. It is computed in integers: exact when the quotient terminates
// within dec+8 decimals, otherwise rounded half away from zero at the
// (dec+8)th decimal. Trailing zeros beyond dec are trimmed. qty <= 0 gives 0.
func formatAvgPx(notional, qty int64, dec uint8) string {
	if qty <= 0 {
		return formatScaled(0, dec)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(avgPxExtraDecimals), nil)
	num := new(big.Int).Mul(big.NewInt(notional), scale)
	den := big.NewInt(qty)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round half away from zero: |2r| >= den.
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	total := int(dec) + avgPxExtraDecimals
	neg := q.Sign() < 0
	digits := new(big.Int).Abs(q).String()
	if len(digits) <= total {
		digits = strings.Repeat("0", total-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-total], digits[len(digits)-total:]
	frac = strings.TrimRight(frac, "0")
	if len(frac) < int(dec) {
		frac += strings.Repeat("0", int(dec)-len(frac))
	}
	s := intPart
	if frac != "" {
		s += "." + frac
	}
	if neg {
		return "-" + s
	}
	return s
}
