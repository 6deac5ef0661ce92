// Package redact finds personal data in transcripts and replaces it with typed tokens before the
// text is stored or sent to a language model: phone numbers ([PHONE]), PRC resident identity
// numbers ([ID]), bank card numbers ([CARD]), card security codes ([CVV]) and expiry dates
// ([EXPIRY]) said near card words, and e-mail addresses ([EMAIL]). It reads English and Chinese,
// mixed in one sentence, and digits written as digits or spoken as words ("one three eight",
// "oh", "double five", "triple zero", "plus eight six", 幺三八, 两, 洞).
//
// How it decides. A number is a run of digit groups — written digits, or spoken digit words and
// characters — joined by spaces, dashes or brackets (commas too, between spoken digits). Within a
// run, the longest stretch of groups that passes a check wins: a mobile number (1[3-9] and nine
// digits, optionally +86 or 0086 in front), an E.164 number (+ and 8–15 digits), a mainland
// landline (0, area code, 7–8 digits: 010-12345678), a North American number written in its
// usual shape ((555) 123-4567, 555-123-4567), an 18-character resident ID with a valid
// ISO 7064 MOD 11-2 check character and a plausible birth date, or 13–19 digits starting 2–6
// that pass the Luhn check. A 3–4 digit number is a CVV only near a security-code word (cvv, cvc,
// security code, 安全码, 后三位…) or right after a card number or expiry date; MM/YY and MM/YYYY are an expiry only near a card word (card,
// expiry, expires, 有效期, 卡号…). Digits glued to letters (order A12345, 3rd, 10am) are codes,
// not personal data, and a card- or ID-shaped number after an order or tracking word (order,
// 订单, 单号, tracking…) with no card word near is left alone. Text is redacted until nothing
// more is found, so redacting twice gives the same text as redacting once.
//
// What it can miss, and what a reader of a redacted transcript must not assume: names and
// postal addresses are not detected at all; numbers said with unusual words ("a hundred and
// thirty-eight", "十三", "double-oh-seven" as one word), spelled-out e-mail
// addresses ("john at example dot com"); digits the recognizer split across unrelated words or
// broke with words of its own ("one three eight uh zero zero"); a number whose digits were
// misrecognised so that its checksum fails (a resident ID or card with one wrong digit); local
// numbers without an area code (123-4567); passport, licence plate, and foreign identity
// numbers; bank account numbers that do not pass Luhn. It can also over-redact: any 13–19 digit
// number that happens to pass Luhn, and any 3–4 digit number near a security-code word.
//
// Turns redacts whole transcript turns, their words too, and returns the time spans of the
// redacted words so the caller can silence them in the recording. Redact owns only text; it
// does not touch audio files, store records, or decide which role may see originals.
package redact
