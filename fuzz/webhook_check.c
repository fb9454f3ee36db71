/*-------------------------------------------------------------------------
 *
 * webhook_check.c
 *	  Known-answer checks of the webhook core outside PostgreSQL: RFC 4648
 *	  base64 vectors, RFC 4231 / RFC 2202 HMAC vectors, form decoding,
 *	  Twilio signature ordering, Sendgrid message ids, token round trips.
 *	  Prints TAP; run under valgrind by `make -f Makefile.webhook valgrind`.
 *
 * fuzz/webhook_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_core.h"

static int	n_tests = 0;
static int	n_failed = 0;

static void
ok(int cond, const char *name)
{
	n_tests++;
	if (!cond)
		n_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n_tests, name);
}

static void *
ck_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void
ck_release(void *ctx, void *ptr)
{
	free(ptr);
}

static const FcAllocator alloc = {ck_alloc, ck_release, NULL};

static void
check_base64(void)
{
	static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char		buf[64];
	uint8_t		dec[64];
	size_t		n;
	int			i;
	int			good = 1;

	for (i = 0; i < 7; i++)
	{
		n = fc_base64_encode((const uint8_t *) plain[i], strlen(plain[i]), buf, false);
		good &= n == strlen(std[i]) && memcmp(buf, std[i], n) == 0;
		n = fc_base64_encode((const uint8_t *) plain[i], strlen(plain[i]), buf, true);
		good &= n == strlen(url[i]) && memcmp(buf, url[i], n) == 0;
		good &= fc_base64_decode(std[i], strlen(std[i]), dec, &n, false) && n == strlen(plain[i]) &&
			memcmp(dec, plain[i], n) == 0;
		good &= fc_base64_decode(url[i], strlen(url[i]), dec, &n, true) && n == strlen(plain[i]) &&
			memcmp(dec, plain[i], n) == 0;
	}
	ok(good, "RFC 4648 base64 and base64url vectors");
	ok(fc_base64_decode("Zm9v\nYmFy", 9, dec, &n, false) && n == 6, "standard base64 skips line breaks");
	ok(!fc_base64_decode("Zh==", 4, dec, &n, false), "non-canonical trailing bits rejected");
	ok(!fc_base64_decode("Zg=", 3, dec, &n, false), "short padding rejected");
	ok(!fc_base64_decode("Zg==", 4, dec, &n, true), "base64url rejects padding");
	ok(!fc_base64_decode("Z+8", 3, dec, &n, true), "base64url rejects '+'");
	ok(!fc_base64_decode("Zm9v=Zm9v", 9, dec, &n, false), "data after padding rejected");
}

static void
check_hmac(void)
{
	static const uint8_t sha256[] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
	static const uint8_t sha1[] = {
		0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c,
		0x25, 0x9a, 0x7c, 0x79};
	const char *data = "what do ya want for nothing?";
	uint8_t		mac[FC_MAC_MAX_LEN];
	size_t		n;
	FcHmac		h;

	ok(fc_hmac(FC_DIGEST_SHA256, (const uint8_t *) "Jefe", 4, data, strlen(data), mac, &n) &&
	   n == 32 && memcmp(mac, sha256, 32) == 0, "RFC 4231 HMAC-SHA256 test case 2");
	ok(fc_hmac(FC_DIGEST_SHA1, (const uint8_t *) "Jefe", 4, data, strlen(data), mac, &n) &&
	   n == 20 && memcmp(mac, sha1, 20) == 0, "RFC 2202 HMAC-SHA1 test case 2");
	ok(fc_hmac_init(&h, FC_DIGEST_SHA1, (const uint8_t *) "Jefe", 4) &&
	   fc_hmac_update(&h, data, 10) && fc_hmac_update(&h, data + 10, strlen(data) - 10) &&
	   fc_hmac_final(&h, mac, &n) && memcmp(mac, sha1, 20) == 0, "incremental HMAC equals one-shot");
	ok(fc_equal_ct("abc", 3, "abc", 3) && !fc_equal_ct("abc", 3, "abd", 3) && !fc_equal_ct("abc", 3, "ab", 2),
	   "constant-time comparison");
}

static void
check_form(void)
{
	FcForm		f;
	FcError		err;

	ok(fc_form_parse("b=2&a=x+y%21&&c&a=%E2%82%AC", 27, &alloc, &f, &err) && f.npairs == 4 &&
	   strcmp(f.pairs[0].name, "b") == 0 && strcmp(f.pairs[1].value, "x y!") == 0 &&
	   strcmp(f.pairs[2].name, "c") == 0 && f.pairs[2].value_len == 0 &&
	   strcmp(f.pairs[3].value, "\xE2\x82\xAC") == 0, "form decoding: order, '+', %XX, empty, UTF-8");
	fc_form_free(&f, &alloc);
	ok(!fc_form_parse("a=%4", 4, &alloc, &f, &err) && err.code == FC_ERR_MALFORMED, "truncated escape rejected");
	ok(!fc_form_parse("a=%C0%AF", 8, &alloc, &f, &err) && err.code == FC_ERR_MALFORMED, "overlong UTF-8 rejected");
	ok(!fc_form_parse("a=%00", 5, &alloc, &f, &err) && err.code == FC_ERR_MALFORMED, "NUL byte rejected");
	ok(fc_form_parse("", 0, &alloc, &f, &err) && f.npairs == 0, "empty body has no pairs");
	fc_form_free(&f, &alloc);
}

static void
check_twilio(void)
{
	FcForm		f1;
	FcForm		f2;
	FcError		err;
	char		s1[64];
	char		s2[64];
	size_t		l1;
	size_t		l2;
	uint8_t		mac[FC_MAC_MAX_LEN];
	size_t		maclen;
	char		expect[64];
	size_t		elen;
	const char *url = "https://x.example/hook?a=1";
	const char *joined = "https://x.example/hook?a=1AccountSidAC1Bodyhi thereFrom+1";

	fc_form_parse("From=%2B1&Body=hi+there&AccountSid=AC1", 38, &alloc, &f1, &err);
	fc_form_parse("AccountSid=AC1&From=%2B1&Body=hi%20there", 40, &alloc, &f2, &err);
	fc_twilio_signature(url, strlen(url), f1.pairs, f1.npairs, (const uint8_t *) "tok", 3, &alloc, s1, &l1, &err);
	fc_twilio_signature(url, strlen(url), f2.pairs, f2.npairs, (const uint8_t *) "tok", 3, &alloc, s2, &l2, &err);
	fc_hmac(FC_DIGEST_SHA1, (const uint8_t *) "tok", 3, joined, strlen(joined), mac, &maclen);
	elen = fc_base64_encode(mac, maclen, expect, false);
	ok(l1 == elen && memcmp(s1, expect, elen) == 0, "signature = base64 HMAC-SHA1 of url + sorted name+value");
	ok(l1 == l2 && memcmp(s1, s2, l1) == 0, "parameter order and encoding do not matter");
	ok(!fc_twilio_signature_matches(url, strlen(url) - 1, f1.pairs, f1.npairs, (const uint8_t *) "tok", 3,
									s1, l1, &alloc, &err) && err.code == FC_OK, "another URL does not match");
	ok(!fc_twilio_signature_matches(url, strlen(url), f1.pairs, f1.npairs, (const uint8_t *) "tok", 3,
									s1, l1 - 1, &alloc, &err), "truncated signature does not match");
	fc_form_free(&f1, &alloc);
	fc_form_free(&f2, &alloc);
}

static void
check_sendgrid_and_paylink(void)
{
	const char *id = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0";
	int64_t		t;
	FcPaylinkParts parts;
	FcError		err;
	size_t		len;
	const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
	char	   *tok;

	ok(fc_sendgrid_message_id_len(id, strlen(id)) == 11, "sg_message_id filter suffix stripped");
	ok(fc_sendgrid_message_id_len("abc", 3) == 3, "sg_message_id without suffix kept");
	ok(fc_parse_unix_seconds("1700000000", 10, &t) && t == 1700000000 &&
	   !fc_parse_unix_seconds("-1", 2, &t) && !fc_parse_unix_seconds("1e9", 3, &t), "timestamp parsing");
	ok(!fc_sendgrid_verify("MFkw", 4, "MEUCIQ==", 8, "1", 1, "[]", 2, &err) && err.code == FC_ERR_KEY,
	   "unusable public key reported as such");
	tok = fc_paylink_sign("k1", 2, secret, 32, "{\"a\":\"1.00\"}", 12, &alloc, &len, &err);
	ok(tok != NULL && fc_paylink_mac_matches(tok, len, secret, 32, &err), "token verifies under its key");
	ok(tok != NULL && fc_paylink_split(tok, len, &alloc, &parts, &err) && parts.key_id_len == 2 &&
	   strcmp(parts.payload, "{\"a\":\"1.00\"}") == 0, "token splits back to key id and payload");
	free(parts.payload);
	tok[len - 1] = tok[len - 1] == 'A' ? 'B' : 'A';
	ok(!fc_paylink_mac_matches(tok, len, secret, 32, &err), "altered MAC does not verify");
	free(tok);
	ok(!fc_paylink_split("k1..x", 5, &alloc, &parts, &err) && err.code == FC_ERR_MALFORMED, "malformed token");
}

int
main(void)
{
	check_base64();
	check_hmac();
	check_form();
	check_twilio();
	check_sendgrid_and_paylink();
	printf("1..%d\n", n_tests);
	return n_failed == 0 ? 0 : 1;
}
