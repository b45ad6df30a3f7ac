package commerce

// Distances are computed with integers only, so every platform agrees on
// every sourcing decision. The approximation, in three steps:
//
//  1. Equirectangular projection: the east-west difference is scaled by the
//     cosine of the mean latitude; north-south is used as is. Longitude
//     differences wrap at 180 degrees.
//  2. The cosine comes from Bhaskara I's rational approximation,
//     sin(x°) ≈ 4x(180-x) / (40500 - x(180-x)), evaluated in milli-degrees
//     with a 16-bit fixed-point result (absolute error below 0.002).
//  3. The planar length starts from an octagonal approximation of the
//     hypotenuse, (1007·max + 441·min)/1024 less 40·max/1024 when
//     max < 16·min (within about 3%), refined by one Newton step for the
//     square root (within about 0.05%); then 111.195 km per degree.
//
// The result is within a few percent of the great-circle distance for the
// distances sourcing compares (up to a few thousand km), and exactly
// symmetric.

const (
	cosShift = 16
	cosOne   = 1 << cosShift
)

// cosDeg returns cos(lat) for |lat| <= 90 degrees, scaled by 2^16.
func cosDeg(lat MicroDeg) int64 {
	a := int64(lat)
	if a < 0 {
		a = -a
	}
	if a > 90e6 {
		a = 90e6
	}
	// cos(lat) = sin(90 - lat); x in milli-degrees.
	x := (90e6 - a) / 1000
	p := x * (180000 - x)
	den := int64(40500e6) - p
	return 4 * p * cosOne / den
}

// legs returns the north-south and east-west separations of a and b in
// micro-degrees (the east-west one the short way round), both non-negative.
func legs(a, b Coord) (dy, dl int64) {
	dy = int64(a.Lat) - int64(b.Lat)
	if dy < 0 {
		dy = -dy
	}
	dl = int64(a.Lon) - int64(b.Lon)
	if dl < 0 {
		dl = -dl
	}
	if dl > 180e6 {
		dl = 360e6 - dl
	}
	return dy, dl
}

// distanceKm returns the approximate distance between a and b in km.
func distanceKm(a, b Coord) int32 {
	dy, dl := legs(a, b)
	mean := MicroDeg((int64(a.Lat) + int64(b.Lat)) / 2)
	dx := dl * cosDeg(mean) >> cosShift
	hi, lo := dx, dy
	if lo > hi {
		hi, lo = lo, hi
	}
	d := 1007*hi + 441*lo
	if hi < 16*lo {
		d -= 40 * hi
	}
	d /= 1024
	// One Newton step towards sqrt(hi²+lo²) takes the error from about 3%
	// to about 0.05%. hi and lo are below 2^29, so the squares fit.
	if d > 0 {
		d = (d + (hi*hi+lo*lo)/d) / 2
	}
	// d is in micro-degrees of arc; one degree is 111.195 km.
	return int32((d*111195 + 500_000_000) / 1_000_000_000)
}

// transitDays is the promised transit time for a distance band.
func transitDays(km int32) int64 {
	switch {
	case km < 100:
		return 1
	case km < 500:
		return 2
	case km < 1500:
		return 3
	case km < 3000:
		return 5
	}
	return 7
}

// kmAtLeastFrom is a lower bound of distanceKm(a, b), tighter than
// kmAtLeast for points apart east-west, and free of divisions: cosA and
// cosB are cosDeg of the two latitudes (sourcing keeps each location's).
// distanceKm scales the longitude difference dl by cosDeg(mean latitude),
// which is at least min(cosA, cosB): cosDeg does not increase with |lat|
// (TestCosDegMonotone) and the truncated mean is no farther from the
// equator than the farther point. So dl*min(cosA, cosB) >> cosShift is at
// most its east-west leg, and, as kmAtLeast shows, its length is at least
// either leg.
func kmAtLeastFrom(a, b Coord, cosA, cosB int64) int32 {
	dy, dl := legs(a, b)
	return kmAtLeast(max(dl*min(cosA, cosB)>>cosShift, dy))
}

// kmAtLeast is a lower bound of distanceKm between two points whose
// latitudes differ by dy micro-degrees, cheap enough to skip computing
// distances that cannot matter. distanceKm's length d is at least the larger
// leg hi >= dy: the octagon start d0 is positive once hi > 1, and the
// Newton step gives floor((d0 + floor(X/d0))/2) > (d0 + X/d0)/2 - 1 >=
// sqrt(X) - 1 >= hi - 1 for X = hi²+lo², so d >= hi (d0 = 0 only when
// hi <= 1). Rounding to km is monotone, so dy - 1 is a safe length.
func kmAtLeast(dy int64) int32 {
	if dy < 0 {
		dy = -dy
	}
	if dy <= 1 {
		return 0
	}
	return int32(((dy-1)*111195 + 500_000_000) / 1_000_000_000)
}
