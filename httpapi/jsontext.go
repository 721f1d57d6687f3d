package httpapi

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// textProblem is the first place where a JSON text does not encode valid
// Unicode.
type textProblem struct {
	// offset is the byte offset of the invalid byte or escape.
	offset int
	// escape is the unpaired surrogate escape, such as `\ud800`, or empty
	// for an invalid UTF-8 byte.
	escape string
	// invalidByte is the first invalid byte when escape is empty.
	invalidByte byte
}

// findInvalidText returns the first invalid UTF-8 byte or unpaired UTF-16
// surrogate escape in a JSON text, which encoding/json would otherwise
// replace with U+FFFD. A surrogate escape is valid only as a pair: an
// escape from \uD800 to \uDBFF directly followed by one from \uDC00 to
// \uDFFF. The scan does not track strings, because a backslash outside a
// string is a syntax error that the JSON decoder reports. It reports
// false when the text is valid.
func findInvalidText(text []byte) (textProblem, bool) {
	for i := 0; i < len(text); {
		c := text[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(text[i:])
			if r == utf8.RuneError && size == 1 {
				return textProblem{offset: i, invalidByte: c}, true
			}
			i += size
			continue
		}
		if c != '\\' {
			i++
			continue
		}

		// A backslash escapes the next character. Only an ASCII one is
		// skipped here, so that the loop still checks a non-ASCII byte.
		if i+1 >= len(text) || text[i+1] >= utf8.RuneSelf {
			i++
			continue
		}
		if text[i+1] != 'u' {
			i += 2
			continue
		}
		r, ok := hexEscape(text[i:])
		switch {
		case !ok:
			// A malformed \u escape is a syntax error for the decoder.
			i += 2
		case r >= 0xDC00 && r <= 0xDFFF:
			return textProblem{offset: i, escape: string(text[i : i+6])}, true
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := hexEscape(text[i+6:])
			if !ok || utf16.DecodeRune(r, low) == utf8.RuneError {
				return textProblem{offset: i, escape: string(text[i : i+6])}, true
			}
			i += 12
		default:
			i += 6
		}
	}
	return textProblem{}, false
}

// hexEscape decodes a \uXXXX escape at the start of b.
func hexEscape(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		var digit byte
		switch {
		case c >= '0' && c <= '9':
			digit = c - '0'
		case c >= 'a' && c <= 'f':
			digit = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			digit = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(digit)
	}
	return r, true
}

// textError returns the validation error for an invalid byte or escape in
// a JSON body. It names the field that contains it, or the whole request
// when the problem lies outside every value.
func textError(body []byte, p textProblem) error {
	field, ok := fieldAt(body, int64(p.offset))
	if !ok || field == "" {
		field = requestField
	}
	return textErrorAt(field, p)
}

// textErrorAt returns the validation error for p on field.
func textErrorAt(field string, p textProblem) error {
	if p.escape == "" {
		return invalidJA(field,
			fmt.Sprintf("invalid UTF-8 byte 0x%02X at byte offset %d; encode the text as UTF-8", p.invalidByte, p.offset),
			fmt.Sprintf("バイトオフセット %d に UTF-8 として無効なバイト 0x%02X があります。テキストを UTF-8 でエンコードして送ってください",
				p.offset, p.invalidByte))
	}
	return invalidJA(field,
		fmt.Sprintf(`unpaired surrogate escape %s at byte offset %d; `+
			`a \uD800-\uDBFF escape must be directly followed by a \uDC00-\uDFFF escape, or send the character as UTF-8`,
			p.escape, p.offset),
		fmt.Sprintf(`バイトオフセット %d のサロゲートのエスケープ %s に対になるエスケープがありません。`+
			`\uD800〜\uDBFF のエスケープの直後には \uDC00〜\uDFFF のエスケープを置くか、文字を UTF-8 のまま送ってください`,
			p.offset, p.escape))
}
