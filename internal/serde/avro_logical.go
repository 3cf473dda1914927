package serde

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Logical types on produce accept their Avro JSON form (ints, longs, bytes
// strings) and, where it cannot be mistaken for it, a readable form:
// ISO-8601 strings for dates, times and timestamps (the underlying int or
// long never takes a string), and JSON numbers for decimals. On consume
// Karapace's mode renders them the way Karapace's JSON encoder prints
// Python's values; the standard mode writes the underlying values.

// parseLogicalString converts the string form of a date, time or timestamp
// to its underlying int or long.
func parseLogicalString(l avroLogical, s []byte) (int64, error) {
	str := string(s)
	switch l {
	case alDate:
		t, err := time.Parse("2006-01-02", str)
		if err != nil {
			return 0, fmt.Errorf("%q is not a date (YYYY-MM-DD)", str)
		}
		return t.Unix() / 86400, nil
	case alTimeMillis, alTimeMicros:
		t, err := time.Parse("15:04:05", str) // a fraction is accepted when parsing
		if err != nil {
			return 0, fmt.Errorf("%q is not a time of day (HH:MM:SS[.ffffff])", str)
		}
		ns := int64(t.Hour())*int64(time.Hour) + int64(t.Minute())*int64(time.Minute) +
			int64(t.Second())*int64(time.Second) + int64(t.Nanosecond())
		return scaleNanos(ns, l == alTimeMillis, str)
	case alTimestampMillis, alTimestampMicros, alTimestampNanos:
		t, err := time.Parse(time.RFC3339, str)
		if err != nil {
			return 0, fmt.Errorf("%q is not an RFC 3339 timestamp with a zone (2006-01-02T15:04:05.999Z)", str)
		}
		return timestampUnits(t, l, str)
	case alLocalTimestampMillis, alLocalTimestampMicros, alLocalTimestampNanos:
		t, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(str, "Z"))
		if err != nil {
			return 0, fmt.Errorf("%q is not a local timestamp (2006-01-02T15:04:05.999)", str)
		}
		return timestampUnits(t, l, str)
	}
	return 0, fmt.Errorf("%q: a string is not accepted here", str)
}

func scaleNanos(ns int64, millis bool, str string) (int64, error) {
	if millis {
		if ns%int64(time.Millisecond) != 0 {
			return 0, fmt.Errorf("%q is more precise than milliseconds", str)
		}
		return ns / int64(time.Millisecond), nil
	}
	if ns%int64(time.Microsecond) != 0 {
		return 0, fmt.Errorf("%q is more precise than microseconds", str)
	}
	return ns / int64(time.Microsecond), nil
}

func timestampUnits(t time.Time, l avroLogical, str string) (int64, error) {
	sec, ns := t.Unix(), int64(t.Nanosecond())
	switch l {
	case alTimestampMillis, alLocalTimestampMillis:
		if ns%int64(time.Millisecond) != 0 {
			return 0, fmt.Errorf("%q is more precise than milliseconds", str)
		}
		return sec*1000 + ns/int64(time.Millisecond), nil
	case alTimestampMicros, alLocalTimestampMicros:
		if ns%int64(time.Microsecond) != 0 {
			return 0, fmt.Errorf("%q is more precise than microseconds", str)
		}
		return sec*1_000_000 + ns/int64(time.Microsecond), nil
	}
	if y := t.Year(); y < 1678 || y > 2261 {
		return 0, fmt.Errorf("%q is out of range for nanoseconds since 1970", str)
	}
	return t.UnixNano(), nil
}

// appendLogicalLong renders a date, time or timestamp for Karapace's mode.
// Values a Python datetime cannot hold (years outside 1–9999, times outside
// one day) are written as plain numbers instead of failing the fetch.
func appendLogicalLong(dst []byte, l avroLogical, v int64) []byte {
	switch l {
	case alDate:
		if v >= -719162 && v <= 2932896 { // 0001-01-01 .. 9999-12-31
			t := time.Unix(v*86400, 0).UTC()
			dst = append(dst, '"')
			dst = t.AppendFormat(dst, "2006-01-02")
			return append(dst, '"')
		}
	case alTimeMillis, alTimeMicros:
		us := v
		if l == alTimeMillis {
			us = v * 1000
		}
		if us >= 0 && us < 86_400_000_000 {
			s := us / 1_000_000
			dst = append(dst, '"')
			dst = append2(dst, int(s/3600))
			dst = append(dst, ':')
			dst = append2(dst, int(s/60%60))
			dst = append(dst, ':')
			dst = append2(dst, int(s%60))
			if frac := us % 1_000_000; frac != 0 {
				dst = appendFrac(dst, frac, 6)
			}
			return append(dst, '"')
		}
	case alTimestampMillis, alTimestampMicros, alTimestampNanos,
		alLocalTimestampMillis, alLocalTimestampMicros, alLocalTimestampNanos:
		var sec, ns int64
		switch l {
		case alTimestampMillis, alLocalTimestampMillis:
			sec, ns = floorDiv(v, 1000)
			ns *= 1_000_000
		case alTimestampMicros, alLocalTimestampMicros:
			sec, ns = floorDiv(v, 1_000_000)
			ns *= 1000
		default:
			sec, ns = floorDiv(v, 1_000_000_000)
		}
		if sec >= -62135596800 && sec <= 253402300799 { // years 1..9999
			t := time.Unix(sec, ns).UTC()
			dst = append(dst, '"')
			dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
			switch {
			case ns == 0:
			case ns%1000 == 0:
				dst = appendFrac(dst, ns/1000, 6)
			default:
				dst = appendFrac(dst, ns, 9)
			}
			// Karapace prints UTC datetimes as naive ISO text plus "Z".
			// A local timestamp has no zone, so it gets none.
			if l == alTimestampMillis || l == alTimestampMicros || l == alTimestampNanos {
				dst = append(dst, 'Z')
			}
			return append(dst, '"')
		}
	}
	return strconv.AppendInt(dst, v, 10)
}

func floorDiv(v, d int64) (q, r int64) {
	q, r = v/d, v%d
	if r < 0 {
		q--
		r += d
	}
	return q, r
}

func append2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

// appendFrac appends "." and v zero-padded to digits.
func appendFrac(dst []byte, v int64, digits int) []byte {
	dst = append(dst, '.')
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < digits; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// parseDecimal converts a JSON number to the unscaled integer of a decimal
// with the given scale. It refuses values with more fractional digits than
// the scale (rounding would change the data) and more digits than the
// precision.
func parseDecimal(num []byte, scale, precision int) (*big.Int, error) {
	s := string(num)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > 10000 || e < -10000 {
			return nil, fmt.Errorf("%s: exponent out of range for a decimal", num)
		}
		mant, exp = s[:i], e
	}
	digits := mant
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		digits = mant[:i] + mant[i+1:]
		exp -= len(mant) - i - 1
	}
	shift := exp + scale
	if shift < 0 {
		drop := -shift
		if drop > len(digits) {
			if strings.Trim(digits, "0") != "" {
				return nil, fmt.Errorf("%s has more than %d digits after the decimal point", num, scale)
			}
			digits = "0"
		} else {
			if strings.Trim(digits[len(digits)-drop:], "0") != "" {
				return nil, fmt.Errorf("%s has more than %d digits after the decimal point", num, scale)
			}
			digits = digits[:len(digits)-drop]
		}
		shift = 0
	}
	significant := len(strings.TrimLeft(digits, "0"))
	if significant > 0 && significant+shift > precision {
		return nil, fmt.Errorf("%s has more than %d significant digits (decimal(%d,%d))", num, precision, precision, scale)
	}
	if digits == "" {
		digits = "0"
	}
	x, ok := new(big.Int).SetString(digits+strings.Repeat("0", shift), 10)
	if !ok {
		return nil, fmt.Errorf("%s is not a decimal number", num)
	}
	if neg {
		x.Neg(x)
	}
	return x, nil
}

// twosComplement is the minimal big-endian two's-complement encoding, as
// Java's BigInteger.toByteArray writes it (0 is one zero byte).
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	m := new(big.Int).Neg(x)
	m.Sub(m, big.NewInt(1)) // x = ^m
	n := m.BitLen()/8 + 1
	b := m.FillBytes(make([]byte, n))
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// twosComplementFixed sign-extends the encoding to size bytes.
func twosComplementFixed(x *big.Int, size int) ([]byte, error) {
	b := twosComplement(x)
	if len(b) > size {
		return nil, fmt.Errorf("decimal needs %d bytes and does not fit fixed(%d)", len(b), size)
	}
	pad := byte(0)
	if x.Sign() < 0 {
		pad = 0xFF
	}
	out := make([]byte, size)
	for i := 0; i < size-len(b); i++ {
		out[i] = pad
	}
	copy(out[size-len(b):], b)
	return out, nil
}

// appendDecimal renders two's-complement bytes as a decimal string with
// scale digits after the point, as Python's str(Decimal) does for
// non-negative scales (without its exponent form for tiny values).
func appendDecimal(dst, b []byte, scale int) ([]byte, error) {
	// Rendering is quadratic in the length; 1 KiB holds ~2400 digits,
	// far beyond any real precision, and bounds a hostile payload.
	if len(b) > 1024 {
		return dst, &DataError{Reason: fmt.Sprintf("decimal of %d bytes is too large", len(b))}
	}
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	neg := x.Sign() < 0
	s := x.Abs(x).String()
	dst = append(dst, '"')
	if neg {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		dst = append(dst, s...)
		return append(dst, '"'), nil
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	dst = append(dst, s[len(s)-scale:]...)
	return append(dst, '"'), nil
}

// appendUUIDFixed renders a fixed(16) uuid in its canonical hex-dash form.
func appendUUIDFixed(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[c>>4], hex[c&0xF])
	}
	return append(dst, '"')
}
