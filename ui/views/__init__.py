"""One module per page; each is run by ``st.navigation`` as a script (``render()`` under ``__main__``)."""
