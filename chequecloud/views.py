"""The portal's front page: the dashboard every signed-in user lands on, showing what they may see from
every app (so it lives above them all)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from apps.accounts.selectors import home_summary


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = home_summary(user=self.request.user)
        return ctx
