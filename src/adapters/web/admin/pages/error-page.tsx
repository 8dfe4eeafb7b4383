/** The body of an error page: the error's one sentence (safe to show, TscaError) and a way on. */
export function ErrorBody({ detail, code, signedIn }: { detail: string; code: string; signedIn: boolean }) {
  return (
    <>
      <p class="error" role="alert">
        {detail}
      </p>
      <p class="code">Error code: {code}</p>
      <p>{signedIn ? <a href="/admin/">Back to the start page</a> : <a href="/admin/login">Log in</a>}</p>
    </>
  );
}
