'use strict';
(() => {
  const { api, $ } = Pingan;
  const HOME = {
    admin: '/dashboard', commander: '/dashboard', analyst: '/dashboard',
    call_taker: '/intake', dispatcher: '/dispatch', unit_handler: '/queue',
    grid_worker: '/intake', mediator: '/intake', citizen: '/public',
  };
  function safeNext() {
    const next = new URLSearchParams(location.search).get('next') || '';
    // Only a path on this site (never //host or a full address): no open redirect.
    return /^\/(?!\/)[^\\]*$/.test(next) && !next.startsWith('/login') ? next : null;
  }
  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('#login-error');
    error.textContent = '';
    try {
      const token = await api('/api/auth/token', {
        method: 'POST',
        form: { username: $('#username').value.trim(), password: $('#password').value },
      });
      sessionStorage.setItem('pingan.token', token.access_token);
      sessionStorage.removeItem('pingan.me');
      const user = await Pingan.me();
      location.href = safeNext() || HOME[user.role] || '/dashboard';
    } catch (e) {
      error.textContent = e.status === 401 ? '用户名或密码不正确' : e.message;
    }
  });
})();
