/** The login form (labels "Username" and "Password", button "Log in"), with the refusal when there was one. */
import { CsrfField } from "../layout.js";

export function LoginForm({ csrf, error, username }: { csrf: string; error?: string; username?: string }) {
  return (
    <form class="login" method="post" action="/admin/login">
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <CsrfField token={csrf} />
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" required value={username ?? ""} />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit">Log in</button>
    </form>
  );
}
