# TEMPORARY: replaced by the real views
def grid_list(request, pk=None):
    raise NotImplementedError


def grid_create(request, pk=None):
    raise NotImplementedError


def grid_detail(request, pk=None):
    raise NotImplementedError


def grid_edit(request, pk=None):
    raise NotImplementedError


def membership_add(request, pk=None):
    raise NotImplementedError


def membership_end(request, pk=None):
    raise NotImplementedError


def household_create(request, pk=None):
    raise NotImplementedError


def household_detail(request, pk=None):
    raise NotImplementedError


def household_edit(request, pk=None):
    raise NotImplementedError


def resident_list(request, pk=None):
    raise NotImplementedError


def resident_create(request, pk=None):
    raise NotImplementedError


def resident_detail(request, pk=None):
    raise NotImplementedError


def resident_edit(request, pk=None):
    raise NotImplementedError


def resident_reveal_id(request, pk=None):
    raise NotImplementedError


