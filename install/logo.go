package install

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// LogoSVG is the scalable logo (logo-svg.svg): "Go" in white on Go blue.
const LogoSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" rx="13" fill="#00ADD8"/>
<path d="M33 21.3 A14 14 0 1 0 38 33 L24 33" fill="none" stroke="#fff" stroke-width="5.2"/>
<circle cx="46" cy="36" r="7.4" fill="none" stroke="#fff" stroke-width="4.6"/>
</svg>
`

var (
	goBlue = color.NRGBA{0x00, 0xAD, 0xD8, 0xff}
	white  = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// LogoPNG renders the logo as a px×px PNG (Jupyter uses 32 and 64). It is
// drawn from geometry with 4×4 supersampling, so every size is crisp and
// the output is deterministic.
func LogoPNG(px int) ([]byte, error) {
	if px < 8 || px > 1024 {
		return nil, fmt.Errorf("install: logo size %d out of range [8, 1024]", px)
	}
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	const ss = 4
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			var bg, fg int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(px)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(px)
					switch logoAt(u, v) {
					case 1:
						bg++
					case 2:
						fg++
					}
				}
			}
			n := bg + fg
			if n == 0 {
				continue
			}
			// Mix white over blue by coverage; alpha is total coverage.
			f := float64(fg) / float64(n)
			mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-f) + float64(b)*f)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(goBlue.R, white.R), mix(goBlue.G, white.G), mix(goBlue.B, white.B),
				uint8(math.Round(255 * float64(n) / ss / ss))})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("install: encoding logo: %v", err)
	}
	return b.Bytes(), nil
}

// logoAt classifies a point of the unit square: 0 outside, 1 background,
// 2 glyph. The geometry matches LogoSVG (scaled by 1/64).
func logoAt(u, v float64) int {
	const r = 13.0 / 64
	// rounded square
	cx, cy := math.Max(r-u, math.Max(0, u-(1-r))), math.Max(r-v, math.Max(0, v-(1-r)))
	if cx*cx+cy*cy > r*r {
		return 0
	}
	// "G": a ring around (24, 32) open at the upper right, with a bar.
	gx, gy := 24.0/64, 32.0/64
	d := math.Hypot(u-gx, v-gy)
	ang := math.Atan2(-(v-gy), u-gx) * 180 / math.Pi // counter-clockwise, 0 = east
	if d > 11.4/64 && d < 16.6/64 && !(ang > -5 && ang < 50) {
		return 2
	}
	if v > 30.4/64 && v < 35.6/64 && u > 24.0/64 && u < 40.6/64 {
		return 2
	}
	// "o": a ring around (46, 36).
	d = math.Hypot(u-46.0/64, v-36.0/64)
	if d > 5.1/64 && d < 9.7/64 {
		return 2
	}
	return 1
}
