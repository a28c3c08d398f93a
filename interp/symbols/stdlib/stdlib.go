package stdlib
