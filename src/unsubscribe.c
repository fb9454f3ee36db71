/*-------------------------------------------------------------------------
 *
 * unsubscribe.c
 *	  One-click unsubscribe headers (RFC 8058) for the emails a worker sends,
 *	  and the settings behind them.
 *
 * The headers are decided and signed in SQL (flowcomm.unsubscribe_headers,
 * sql/src/58_unsubscribe.sql): which message types are subscription-like,
 * the signing key, the token.  The worker only fetches them, once per
 * claimed batch and only when the batch holds email, in the claim's own
 * transaction, and hands them to the Sendgrid body builder as a JSON
 * object (the "headers" field of v3 mail/send).  Signing at send time, not
 * at enqueue, means every path that enqueues email (send, send_bulk,
 * automation, fallback, resend) gets the headers without carrying them,
 * and a link's lifetime counts from the moment the email leaves.
 *
 * src/unsubscribe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"

#include "flowcomm.h"

char *fc_unsubscribe_base_url = NULL;
char *fc_unsubscribe_mailto = NULL;
int	  fc_unsubscribe_link_lifetime = 180 * 24 * 3600;

static SPIPlanPtr headers_plan = NULL;

/*
 * The headers of the claimed emails: $1 business ids, $2 message ids.
 * Rows without headers (transactional types, no base URL) are not returned.
 */
static const char *const headers_sql =
	"SELECT k.i, h::text"
	"  FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(bid, cid, i)"
	"  JOIN flowcomm.communication c ON c.business_id = k.bid AND c.id = k.cid"
	"  CROSS JOIN LATERAL flowcomm.unsubscribe_headers(c) AS h"
	" WHERE h IS NOT NULL";

/* ------------------------------------------------------------------ GUCs */

static bool
check_https_url(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || v[0] == '\0')
		return true;
	/* RFC 8058 one-click needs an https URI; a header value may not break. */
	if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || strpbrk(v, " \t\r\n<>,\"") != NULL)
	{
		GUC_check_errdetail("The value must be an absolute https URL without spaces, '<', '>', ',' or '\"'; the token is appended to it.");
		return false;
	}
	return true;
}

static bool
check_mailbox(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;
	const char *at;

	if (v == NULL || v[0] == '\0')
		return true;
	at = strchr(v, '@');
	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
		strpbrk(v, " \t\r\n<>,\"?&%:;()[]\\") != NULL || strlen(v) > 254)
	{
		GUC_check_errdetail("The value must be a plain mailbox address such as unsubscribe@example.com.");
		return false;
	}
	return true;
}

/*
 * fc_unsubscribe_guc_init defines the unsubscribe settings; _PG_init calls
 * it.  Superuser-only, like the payment-link base URL: the URL is where a
 * recipient's opt-out goes.
 */
void
fc_unsubscribe_guc_init(void)
{
	DefineCustomStringVariable("flowcomm.unsubscribe_base_url",
							   "https URL prefix of one-click unsubscribe links; the token is appended.",
							   "Empty: no List-Unsubscribe header is sent.",
							   &fc_unsubscribe_base_url, "",
							   PGC_SUSET, 0, check_https_url, NULL, NULL);
	DefineCustomStringVariable("flowcomm.unsubscribe_mailto",
							   "Mailbox for mailto: unsubscribe requests, added to List-Unsubscribe when set.",
							   NULL,
							   &fc_unsubscribe_mailto, "",
							   PGC_SUSET, 0, check_mailbox, NULL, NULL);
	DefineCustomIntVariable("flowcomm.unsubscribe_link_lifetime",
							"How long a one-click unsubscribe link works after its email is sent.",
							NULL,
							&fc_unsubscribe_link_lifetime, 180 * 24 * 3600, 24 * 3600, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
}

/* -------------------------------------------------------------- headers */

static ArrayType *
uuid_array(Datum *values, int n)
{
	return construct_array(values, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
}

/*
 * fc_unsubscribe_load sets email_headers on the claimed email jobs that
 * get unsubscribe headers.  Call inside the claim's transaction; cheap
 * when the batch has no email (no query at all) or no base URL is set.
 */
void
fc_unsubscribe_load(FcJob **jobs, int n)
{
	Datum *bids;
	Datum *cids;
	int	  *index;
	int	   m = 0;
	Datum  args[2];

	if (n <= 0 || fc_unsubscribe_base_url == NULL || fc_unsubscribe_base_url[0] == '\0')
		return;
	bids = palloc(sizeof(Datum) * n);
	cids = palloc(sizeof(Datum) * n);
	index = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		if (jobs[i]->channel != FC_CH_EMAIL || jobs[i]->cancelled)
			continue;
		bids[m] = UUIDPGetDatum(&jobs[i]->business_id);
		cids[m] = UUIDPGetDatum(&jobs[i]->communication_id);
		index[m] = i;
		m++;
	}
	if (m == 0)
		return;

	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (headers_plan == NULL)
	{
		Oid		   types[2] = {UUIDARRAYOID, UUIDARRAYOID};
		SPIPlanPtr plan = SPI_prepare(headers_sql, 2, types);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "flowcomm could not prepare the unsubscribe headers statement: %s",
				 SPI_result_code_string(SPI_result));
		headers_plan = plan;
	}
	args[0] = PointerGetDatum(uuid_array(bids, m));
	args[1] = PointerGetDatum(uuid_array(cids, m));
	if (SPI_execute_plan(headers_plan, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "flowcomm could not read unsubscribe headers");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple tup = SPI_tuptable->vals[r];
		bool	  isnull;
		int64	  k = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		char	 *h = SPI_getvalue(tup, SPI_tuptable->tupdesc, 2);
		FcJob	 *job;

		if (isnull || k < 1 || k > m || h == NULL)
			continue;
		job = jobs[index[k - 1]];
		job->email_headers = MemoryContextStrdup(job->cxt, h);
	}
	PopActiveSnapshot();
	SPI_finish();
}
