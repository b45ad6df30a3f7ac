package fix

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseScaled(t *testing.T) {
	for _, tc := range []struct {
		in   string
		dec  uint8
		want int64
		err  error
	}{
		{"101.25", 2, 10125, nil},
		{"101.250000", 2, 10125, nil},
		{"101", 2, 10100, nil},
		{"101.", 2, 10100, nil},
		{".5", 2, 50, nil},
		{"-0.05", 2, -5, nil},
		{"+7", 0, 7, nil},
		{"100", 0, 100, nil},
		{"100.0", 0, 100, nil},
		{"101.255", 2, 0, errDecimalPrecision},
		{"1.5", 0, 0, errDecimalPrecision},
		{"", 2, 0, errDecimalSyntax},
		{".", 2, 0, errDecimalSyntax},
		{"-", 2, 0, errDecimalSyntax},
		{"1e3", 0, 0, errDecimalSyntax},
		{"1.2.3", 2, 0, errDecimalSyntax},
		{"abc", 2, 0, errDecimalSyntax},
		{"1.0x", 0, 0, errDecimalSyntax},
		{" 1", 0, 0, errDecimalSyntax},
		{"9223372036854775807", 0, 9223372036854775807, nil},
		{"9223372036854775808", 0, 0, errDecimalRange},
		{"92233720368547758.08", 2, 0, errDecimalRange},
		{"1", 19, 0, errDecimalRange},
	} {
		got, err := parseScaled(tc.in, tc.dec)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, "%q dec=%d", tc.in, tc.dec)
			continue
		}
		require.NoError(t, err, "%q dec=%d", tc.in, tc.dec)
		require.Equal(t, tc.want, got, "%q dec=%d", tc.in, tc.dec)
	}
}

func TestFormatScaled(t *testing.T) {
	require.Equal(t, "101.25", formatScaled(10125, 2))
	require.Equal(t, "-0.05", formatScaled(-5, 2))
	require.Equal(t, "0.00", formatScaled(0, 2))
	require.Equal(t, "42", formatScaled(42, 0))
	require.Equal(t, "0.000001", formatScaled(1, 6))
}

func TestScaledRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 99, 10125, 1 << 40, -(1 << 40)} {
		for dec := uint8(0); dec <= 6; dec++ {
			got, err := parseScaled(formatScaled(v, dec), dec)
			require.NoError(t, err)
			require.Equal(t, v, got)
		}
	}
}

func TestFormatAvgPx(t *testing.T) {
	// 10 @ 101.00 and 30 @ 101.05: (10100*10 + 10105*30) / 40 = 10103.75 units.
	require.Equal(t, "101.0375", formatAvgPx(10100*10+10105*30, 40, 2))
	require.Equal(t, "101.00", formatAvgPx(10100*5, 5, 2))
	// 1/3 of a unit does not terminate: rounded at 2+8 decimals.
	require.Equal(t, "0.0033333333", formatAvgPx(1, 3, 2))
	require.Equal(t, "0.0066666667", formatAvgPx(2, 3, 2))
	require.Equal(t, "-0.0066666667", formatAvgPx(-2, 3, 2))
	require.Equal(t, "0.00", formatAvgPx(0, 0, 2))
	require.Equal(t, "7", formatAvgPx(21, 3, 0))
	require.Equal(t, "7.5", formatAvgPx(15, 2, 0))
	// Large notional does not overflow.
	require.Equal(t, "92233720368547758.07", formatAvgPx(9223372036854775807, 1, 2))
}

func FuzzParseScaled(f *testing.F) {
	for _, s := range []string{"1", "1.25", "-0.5", ".", "1e5", "99999999999999999999"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, dec uint8) {
		v, err := parseScaled(s, dec%7)
		if err != nil {
			return
		}
		back, err := parseScaled(formatScaled(v, dec%7), dec%7)
		require.NoError(t, err)
		require.Equal(t, v, back)
	})
}
